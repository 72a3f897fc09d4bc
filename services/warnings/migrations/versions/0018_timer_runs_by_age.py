"""the moments timers claimed their runs, indexed

The service forgets a timer's run claimed more than 400 days ago
(services/common/retention.py): without an index, each of its hourly looks would
read the whole table, which grows by every run of every timer.

Revision ID: 0018
Revises: 0017
"""
from services.common.migrations import timer_runs_by_age

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    timer_runs_by_age(True)


def downgrade():
    timer_runs_by_age(False)
