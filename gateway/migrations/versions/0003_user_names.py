"""users carry the person's name and phone, which people read instead of the
username

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies `users` into a new
# table, and dropping the old one would cascade to every token.
def upgrade():
    op.add_column('users', sa.Column('name', sa.String(32), nullable=True))
    op.add_column('users', sa.Column('phone', sa.String(20), nullable=True))


def downgrade():
    op.execute('ALTER TABLE users DROP COLUMN phone')
    op.execute('ALTER TABLE users DROP COLUMN name')
