"""room in the pages of the targets to update rows in place

A batch of reports sets the day each of its tasks' targets was first reached or
first reported on: columns no index holds. Filled by an import, every page was
full, and two updates in three went to another page with an entry in both
indexes (a quarter of a city's ingest, on PostgreSQL). A batch rewrites a few
rows of a page, and the next one to read the page reclaims the old versions: a
fifth of each page is room enough.

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
