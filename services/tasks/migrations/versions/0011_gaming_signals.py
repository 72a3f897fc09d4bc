"""signals of gamed numbers, for the office

Revision ID: 0011
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gaming_signals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('task_code', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('evidence_ids', sa.JSON(), nullable=False),
    sa.Column('first_seen', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['task_code'], ['tasks.code'], ),
    sa.ForeignKeyConstraint(['unit'], ['units.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('gaming_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gaming_signals_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_gaming_signals_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_gaming_signals_unit'), ['unit'], unique=False)


def downgrade():
    with op.batch_alter_table('gaming_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gaming_signals_unit'))
        batch_op.drop_index(batch_op.f('ix_gaming_signals_status'))
        batch_op.drop_index(batch_op.f('ix_gaming_signals_kind'))
    op.drop_table('gaming_signals')
