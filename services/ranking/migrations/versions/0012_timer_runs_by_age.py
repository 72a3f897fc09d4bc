"""the moments timers claimed their runs, indexed

The service forgets a timer's run claimed more than 400 days ago
(services/common/retention.py): without an index, each of its hourly looks would
read the whole table, which grows by every run of every timer.

Revision ID: 0012
Revises: 0011
"""
from services.common.migrations import timer_runs_by_age

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    timer_runs_by_age(True)


def downgrade():
    timer_runs_by_age(False)
