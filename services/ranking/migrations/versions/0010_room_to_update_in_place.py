"""room in the pages of the targets to update rows in place

A batch of reports sets the day each of its tasks' targets was first reached or
first reported on: columns no index holds. Filled by an import, every page was
full, and two updates in three went to another page with an entry in both
indexes (a quarter of a city's import and ingest, on PostgreSQL). With a fifth of
each new page free, 57% of them stay in place, against 35%: the next one to read
a page reclaims the versions a batch left there.

Revision ID: 0010
Revises: 0009
"""
from services.common.migrations import room_to_update_in_place

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('targets',)
FILLFACTOR = 80


def upgrade():
    # Pages written from now on keep the room; those already full gain it as
    # their rows move (or at the next VACUUM FULL an operator runs).
    room_to_update_in_place(TABLES, FILLFACTOR)


def downgrade():
    room_to_update_in_place(TABLES, None)
