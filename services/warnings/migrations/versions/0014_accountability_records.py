"""三问 accountability records, their measures, and the published black lists

Revision ID: 0014
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accountability_records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('ground', sa.String(length=16), nullable=False),
    sa.Column('ground_ref', sa.String(length=64), nullable=False),
    sa.Column('ground_detail', sa.Text(), nullable=False),
    sa.Column('task_code', sa.String(length=32), nullable=True),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=True),
    sa.Column('plan_deadline', sa.Date(), nullable=True),
    sa.Column('plan_by', sa.String(length=64), nullable=True),
    sa.Column('plan_at', sa.DateTime(), nullable=True),
    sa.Column('rectified_at', sa.DateTime(), nullable=True),
    sa.Column('colour', sa.String(length=8), nullable=False),
    sa.Column('colour_since', sa.Date(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('accountability_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accountability_records_unit'), ['unit'],
                              unique=False)
    op.create_table('accountability_measures',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('accountability_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accountability_measures_record_id'),
                              ['record_id'], unique=False)
    op.create_table('black_listed_units',
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('period', 'unit')
    )


def downgrade():
    op.drop_table('black_listed_units')
    with op.batch_alter_table('accountability_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accountability_measures_record_id'))
    op.drop_table('accountability_measures')
    with op.batch_alter_table('accountability_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accountability_records_unit'))
    op.drop_table('accountability_records')
