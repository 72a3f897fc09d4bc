"""the day a task was closed or explained: the one screen counts the tasks in
hand, and those finished in the year apart

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('watched_tasks') as batch:
        batch.add_column(sa.Column('finished_on', sa.Date(), nullable=True))
    # The tasks finished before the day was kept: the day their own colour was
    # last set, which is the day they ended or before (a task green already
    # when it ended), else the day they were given.
    op.execute("""
        UPDATE watched_tasks SET finished_on = COALESCE(
            (SELECT colours.since FROM colours
              WHERE colours.item_kind = 'task' AND colours.item_key = watched_tasks.code),
            watched_tasks.created_on, watched_tasks.start_date)
        WHERE status IN ('closed', 'explained')""")


def downgrade():
    with op.batch_alter_table('watched_tasks') as batch:
        batch.drop_column('finished_on')
