"""bulletins are drafts until the office signs them (签发), then numbered (第N期)

Revision ID: 0015
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Bulletins drawn up before this went to the leaders at once: they stand as
    # issued, without a number (the numbering starts with the next one signed).
    with op.batch_alter_table('bulletins') as batch:
        batch.add_column(sa.Column('status', sa.String(length=8), nullable=False,
                                   server_default='issued'))
        batch.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('issued_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('issued_by', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('docx', sa.LargeBinary(), nullable=True))
        batch.create_unique_constraint('uq_bulletins_year_number', ['year', 'number'])


def downgrade():
    with op.batch_alter_table('bulletins') as batch:
        batch.drop_constraint('uq_bulletins_year_number', type_='unique')
        for column in ('docx', 'issued_by', 'issued_at', 'number', 'year', 'status'):
            batch.drop_column(column)
