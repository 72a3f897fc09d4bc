"""what a unit reads of the way off the black list: task titles, notice numbers,
commitment steps

The ranking kept only what scores need; the way off the black list names the
targets, notices and commitments a unit has still to deal with.

Revision ID: 0009
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('title', sa.Text(), nullable=True))
    with op.batch_alter_table('notices') as batch:
        batch.add_column(sa.Column('number', sa.String(length=64), nullable=True))
    with op.batch_alter_table('commitments') as batch:
        batch.add_column(sa.Column('task', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('step', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('commitments') as batch:
        batch.drop_column('step')
        batch.drop_column('task')
    with op.batch_alter_table('notices') as batch:
        batch.drop_column('number')
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('title')
