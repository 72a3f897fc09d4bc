"""reminders before deadlines: the tasks, targets and notices they watch, the
reminders sent, the office's rules and each reminder rule's days before

Revision ID: 0012
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('routing_rules') as batch:
        batch.add_column(sa.Column('days_before', sa.Integer(), nullable=True))
    op.create_table(
        'reminder_tasks',
        sa.Column('task', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('lead_unit', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=True),
        sa.Column('clock_class', sa.String(length=16), nullable=True),
        sa.Column('percent', sa.Float(), server_default='0', nullable=False),
        sa.Column('last_received_on', sa.Date(), nullable=True),
        sa.Column('stages', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('task'),
    )
    op.create_index('ix_reminder_tasks_lead_unit', 'reminder_tasks', ['lead_unit'])
    op.create_table(
        'reminder_deadlines',
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('item', sa.String(length=96), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('task', sa.String(length=32), nullable=True),
        sa.Column('planned_percent', sa.Float(), nullable=True),
        sa.Column('done', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('context', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'item'),
    )
    op.create_index('ix_reminder_deadlines_due', 'reminder_deadlines', ['due'])
    op.create_index('ix_reminder_deadlines_task', 'reminder_deadlines', ['task'])
    op.create_table(
        'reminders_sent',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('item', sa.String(length=96), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'office_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('rules', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('office_rules')
    op.drop_table('reminders_sent')
    op.drop_index('ix_reminder_deadlines_task', 'reminder_deadlines')
    op.drop_index('ix_reminder_deadlines_due', 'reminder_deadlines')
    op.drop_table('reminder_deadlines')
    op.drop_index('ix_reminder_tasks_lead_unit', 'reminder_tasks')
    op.drop_table('reminder_tasks')
    with op.batch_alter_table('routing_rules') as batch:
        batch.drop_column('days_before')
