"""the bootstrap admin is named 系统管理员, so that headers and histories read a
name rather than the login `admin`

Revision ID: 0005
Revises: 0004

Only where the office has given it no name: a name it chose stays. The gateway
names the admin so when it creates it (gateway/auth.py, ensure_admin).
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('username', sa.String), sa.column('name', sa.String))


def upgrade():
    op.execute(users.update()
               .where(users.c.username == 'admin')
               .where(sa.or_(users.c.name.is_(None), sa.func.trim(users.c.name) == ''))
               .values(name='系统管理员'))


def downgrade():
    # The name stays: it is data the office may have kept since, not schema.
    pass
