"""the working-day calendar kept by the office; notices and tasks say what it
could not judge

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('holidays', sa.JSON(), nullable=False),
        sa.Column('workdays', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('changed_by', sa.String(length=64), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('year'),
    )
    op.create_table(
        'calendar_versions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('holidays', sa.JSON(), nullable=False),
        sa.Column('workdays', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('changed_by', sa.String(length=64), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('effect', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('year', 'version', name='uq_calendar_versions_year_version'),
    )
    op.create_table(
        'notice_deadline_moves',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('deadline', sa.String(length=16), nullable=False),
        sa.Column('before', sa.Date(), nullable=False),
        sa.Column('after', sa.Date(), nullable=False),
        sa.Column('calendar_year', sa.Integer(), nullable=False),
        sa.Column('calendar_version', sa.Integer(), nullable=False),
        sa.Column('moved_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_notice_deadline_moves_notice_id', 'notice_deadline_moves',
                    ['notice_id'])
    with op.batch_alter_table('notices') as batch:
        batch.add_column(sa.Column('calendar_note', sa.Text(), nullable=True))
    with op.batch_alter_table('watched_tasks') as batch:
        batch.add_column(sa.Column('unjudged', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('watched_tasks') as batch:
        batch.drop_column('unjudged')
    with op.batch_alter_table('notices') as batch:
        batch.drop_column('calendar_note')
    op.drop_index('ix_notice_deadline_moves_notice_id', table_name='notice_deadline_moves')
    op.drop_table('notice_deadline_moves')
    op.drop_table('calendar_versions')
    op.drop_table('calendar_years')
