"""the moments de-duplication keys were last heard, indexed

The service forgets a de-duplication mark not heard for 60 days
(services/notify/models.py, DEDUP_MARKS): without an index, each of its hourly
looks would read the whole table, which grows by every item, colour, channel and
recipient ever notified.

Revision ID: 0019
Revises: 0018
"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_dedup_marks_last_at", "dedup_marks", ["last_at"])


def downgrade():
    op.drop_index("ix_dedup_marks_last_at", table_name="dedup_marks")
