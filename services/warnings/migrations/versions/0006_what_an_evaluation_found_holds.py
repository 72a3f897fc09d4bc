"""the percentages over which a task's green colours hold

An evaluation that finds a task all green records the day, the rule version and
the range of percentages over which nothing would change; a report within it is
applied without judging the task again.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COLUMNS = (('holds_on', sa.Date()), ('holds_rules', sa.Integer()),
           ('holds_from', sa.Float()), ('holds_below', sa.Float()))


def upgrade():
    with op.batch_alter_table('watched_tasks') as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    with op.batch_alter_table('watched_tasks') as batch:
        for name, _ in COLUMNS:
            batch.drop_column(name)
