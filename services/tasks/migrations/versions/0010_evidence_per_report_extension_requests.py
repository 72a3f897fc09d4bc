"""evidence per report, extension requests, evidence rules

Revision ID: 0010
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_report_id'), ['report_id'], unique=False)
        batch_op.create_foreign_key('fk_evidence_report_id', 'progress_reports',
                                    ['report_id'], ['id'])

    op.create_table('extension_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task_code', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('previous_due_date', sa.Date(), nullable=False),
    sa.Column('asked_due_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('granted_due_date', sa.Date(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('extension_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['extension_id'], ['extensions.id'], ),
    sa.ForeignKeyConstraint(['task_code'], ['tasks.code'], ),
    sa.ForeignKeyConstraint(['unit'], ['units.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_requests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_extension_requests_task_code'), ['task_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_extension_requests_unit'), ['unit'], unique=False)

    op.create_table('evidence_rules',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('version')
    )


def downgrade():
    op.drop_table('evidence_rules')
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extension_requests_unit'))
        batch_op.drop_index(batch_op.f('ix_extension_requests_task_code'))
        batch_op.drop_index(batch_op.f('ix_extension_requests_status'))
    op.drop_table('extension_requests')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint('fk_evidence_report_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evidence_report_id'))
        batch_op.drop_column('report_id')
