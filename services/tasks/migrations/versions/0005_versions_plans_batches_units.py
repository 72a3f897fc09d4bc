"""task versions, plans, batches and the units' lives

Revision ID: 0005
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False,
                                      server_default='active'))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('merged_into', sa.String(length=32), nullable=True))
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_tasks_batch'), ['batch'], unique=False)
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_version', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.add_column(sa.Column('replaced_in', sa.Integer(), nullable=True))
    op.create_table('task_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task_code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_code'], ['tasks.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_code', 'version')
    )
    with op.batch_alter_table('task_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_versions_task_code'), ['task_code'],
                              unique=False)
    op.create_table('task_plans',
    sa.Column('task_code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_code'], ['tasks.code'], ),
    sa.PrimaryKeyConstraint('task_code', 'version')
    )
    op.create_table('unit_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_by', sa.String(length=64), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_versions_unit_code'), ['unit_code'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('unit_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_versions_unit_code'))
    op.drop_table('unit_versions')
    op.drop_table('task_plans')
    with op.batch_alter_table('task_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_versions_task_code'))
    op.drop_table('task_versions')
    op.drop_index('ix_tasks_batch', table_name='tasks')
    # On SQLite a batch would copy these tables and drop the old ones, which the
    # foreign keys pointing at them refuse: the columns are dropped in place.
    for table, column in (('targets', 'replaced_in'), ('targets', 'plan_version'),
                          ('tasks', 'batch'), ('units', 'merged_into'),
                          ('units', 'retired_at'), ('units', 'status')):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
