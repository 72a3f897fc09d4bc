"""the audit log made tamper-evident and fail-closed: each row's hash chained to
the one before, the chain's head that every writer locks first, and the requests
under way whose outcome is still to be written

Revision ID: 0002
Revises: 0001

Rows written before this revision keep null hashes; the chain starts with the
first row after it (gateway/audit.py, `python -m gateway.audit verify`).
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('prev_hash', sa.String(64), nullable=True))
        batch.add_column(sa.Column('hash', sa.String(64), nullable=True))
    head = op.create_table(
        'audit_chain_head',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('last_id', sa.Integer(), nullable=True),
        sa.Column('last_hash', sa.String(64), nullable=True),
        sa.Column('writes', sa.Integer(), nullable=False),
    )
    # The one row every audit writer locks first: made here, so that no writer
    # has to race another to make it.
    op.bulk_insert(head, [{'id': 1, 'last_id': None, 'last_hash': None, 'writes': 0}])
    op.create_table(
        'audit_pending',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('method', sa.String(8), nullable=False),
        sa.Column('path', sa.String(1000), nullable=False),
        sa.Column('address', sa.String(64), nullable=True),
    )
    op.create_index('ix_audit_pending_at', 'audit_pending', ['at'])


def downgrade():
    op.drop_index('ix_audit_pending_at', table_name='audit_pending')
    op.drop_table('audit_pending')
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('hash')
        batch.drop_column('prev_hash')
