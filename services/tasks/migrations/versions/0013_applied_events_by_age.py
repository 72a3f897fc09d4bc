"""the moments events were applied, indexed

The service forgets an event applied more than 90 days ago
(services/common/retention.py): without an index, each of its hourly looks would
read the whole table, which grows by every event every consumer takes.

Revision ID: 0013
Revises: 0012
"""
from services.common.migrations import applied_events_by_age

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    applied_events_by_age(True)


def downgrade():
    applied_events_by_age(False)
