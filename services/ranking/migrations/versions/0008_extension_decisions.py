"""the office's decisions on units' extension requests

Counted against the unit by the score rules (extension_approved_deduction,
extension_refused_deduction).

Revision ID: 0008
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('extension_decisions',
                    sa.Column('request_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('unit', sa.String(length=32), nullable=False),
                    sa.Column('outcome', sa.String(length=16), nullable=False),
                    sa.Column('decided_on', sa.Date(), nullable=False),
                    sa.PrimaryKeyConstraint('request_id'))
    with op.batch_alter_table('extension_decisions') as batch:
        batch.create_index(batch.f('ix_extension_decisions_decided_on'), ['decided_on'],
                           unique=False)


def downgrade():
    with op.batch_alter_table('extension_decisions') as batch:
        batch.drop_index(batch.f('ix_extension_decisions_decided_on'))
    op.drop_table('extension_decisions')
