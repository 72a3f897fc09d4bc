"""the day a task was given, from which a new task waits for its first report

A task created or imported with plan points in the past is not judged at 0% at
once: it waits for its first report until the reporting day of its first month
(Rules.first_report_grace), and days before it was given never count as late.
Tasks known before keep NULL: judged as before.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('watched_tasks') as batch:
        batch.add_column(sa.Column('created_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('watched_tasks') as batch:
        batch.drop_column('created_on')
