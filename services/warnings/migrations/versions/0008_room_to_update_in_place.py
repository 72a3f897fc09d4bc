"""room in the pages of the colours and the tasks to update rows in place

Every day's evaluation rewrites the reasons of the late items (their days overdue
grow) and every batch of reports rewrites its tasks' percentages: columns no index
holds. PostgreSQL writes such a new row version in the same page, without touching
the indexes (a HOT update), only when the page has room; full pages send it to
another page and add an entry to every index. An evaluation is one transaction, so
the versions it replaces stay until it ends: a page must hold every row twice to
update them all in place, hence half of it free: at a city's scale every rewording
of a full re-evaluation then stays in place (at 70% full a quarter did not). On a
table like the colours, 70,000 rewordings took 1.8 s in full pages and 0.65 s with
room. SQLite updates rows in place anyway: nothing changes there.

Revision ID: 0008
Revises: 0007
"""
from services.common.migrations import room_to_update_in_place

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLES = ('colours', 'watched_tasks')
FILLFACTOR = 50


def upgrade():
    # Pages written from now on keep the room; those already full gain it as
    # their rows move (or at the next VACUUM FULL an operator runs).
    room_to_update_in_place(TABLES, FILLFACTOR)


def downgrade():
    room_to_update_in_place(TABLES, None)
