"""leaders' instructions, stage feedback and task threads

Revision ID: 0008
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('instructions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('leader', sa.String(length=64), nullable=False),
    sa.Column('leader_name', sa.String(length=50), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['instructions.id'], ),
    sa.ForeignKeyConstraint(['task_code'], ['tasks.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instructions_leader'), ['leader'], unique=False)
        batch_op.create_index(batch_op.f('ix_instructions_task_code'), ['task_code'], unique=False)

    op.create_table('stage_feedback',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task_code', sa.String(length=32), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('evidence_ids', sa.JSON(), nullable=False),
    sa.Column('given_by', sa.String(length=64), nullable=True),
    sa.Column('given_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_code'], ['tasks.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stage_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_feedback_task_code'), ['task_code'], unique=False)

    op.create_table('task_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task_code', sa.String(length=32), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('author_role', sa.String(length=16), nullable=False),
    sa.Column('author_unit', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('evidence_ids', sa.JSON(), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_code'], ['tasks.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_messages', schema=None) as batch_op:
        batch_op.create_index('ix_task_messages_task', ['task_code', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('task_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_task_messages_task')
    op.drop_table('task_messages')
    with op.batch_alter_table('stage_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_feedback_task_code'))
    op.drop_table('stage_feedback')
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instructions_task_code'))
        batch_op.drop_index(batch_op.f('ix_instructions_leader'))
    op.drop_table('instructions')
