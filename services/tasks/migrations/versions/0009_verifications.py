"""复核: requests to close, record a 13710 stage or keep a commitment, and the
office's verification policy

Revision ID: 0009
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('verifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('task_code', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=True),
    sa.Column('claim', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('draw', sa.Integer(), nullable=True),
    sa.Column('status_before', sa.String(length=16), nullable=True),
    sa.Column('requested_by', sa.String(length=64), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['task_code'], ['tasks.code'], ),
    sa.ForeignKeyConstraint(['unit'], ['units.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.create_index('ix_verifications_status', ['status', 'requested_at'], unique=False)
        batch_op.create_index('ix_verifications_task', ['task_code', 'id'], unique=False)

    op.create_table('verification_policies',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('version')
    )


def downgrade():
    op.drop_table('verification_policies')
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.drop_index('ix_verifications_task')
        batch_op.drop_index('ix_verifications_status')
    op.drop_table('verifications')
