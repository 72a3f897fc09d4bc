"""corrections of leaders' instructions, kept

An instruction recorded with a typo (its words, the leader's name shown under
it, its date) is corrected in place; each correction keeps the three fields as
they were and as they became, who corrected them, when and why.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('instruction_corrections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('instruction_id', sa.Integer(), nullable=False),
    sa.Column('corrected_at', sa.DateTime(), nullable=False),
    sa.Column('corrected_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('text_before', sa.Text(), nullable=False),
    sa.Column('text_after', sa.Text(), nullable=False),
    sa.Column('leader_name_before', sa.String(length=50), nullable=False),
    sa.Column('leader_name_after', sa.String(length=50), nullable=False),
    sa.Column('given_on_before', sa.Date(), nullable=False),
    sa.Column('given_on_after', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['instruction_id'], ['instructions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('instruction_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruction_corrections_instruction_id'),
                              ['instruction_id'], unique=False)


def downgrade():
    with op.batch_alter_table('instruction_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruction_corrections_instruction_id'))
    op.drop_table('instruction_corrections')
