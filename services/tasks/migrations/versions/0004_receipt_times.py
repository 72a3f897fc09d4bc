"""receipt times: when the platform received each 13710 stage, and the office's
corrections of when a report was received

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clock_stages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_at', sa.DateTime(), nullable=True))
    # Stages recorded before receipt was kept: their own time is the best there is.
    op.execute("UPDATE clock_stages SET received_at = recorded_at WHERE received_at IS NULL")
    with op.batch_alter_table('clock_stages', schema=None) as batch_op:
        batch_op.alter_column('received_at', existing_type=sa.DateTime(), nullable=False)
    op.create_table('receipt_corrections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('previous_received_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('corrected_by', sa.String(length=64), nullable=True),
    sa.Column('corrected_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['progress_reports.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('receipt_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_corrections_report_id'), ['report_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('receipt_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_corrections_report_id'))
    op.drop_table('receipt_corrections')
    with op.batch_alter_table('clock_stages', schema=None) as batch_op:
        batch_op.drop_column('received_at')
