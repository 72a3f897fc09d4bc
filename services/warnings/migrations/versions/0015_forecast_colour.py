"""forecast colour: each task's reporting days, its latest forecast, and what
every forecast red came to

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'progress_points',
        sa.Column('task_code', sa.String(length=32), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('percent', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('task_code', 'day'),
    )
    op.create_table(
        'forecasts',
        sa.Column('task_code', sa.String(length=32), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('colour', sa.String(length=8), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('planned', sa.Float(), nullable=False),
        sa.Column('projected', sa.Float(), nullable=False),
        sa.Column('low', sa.Float(), nullable=False),
        sa.Column('high', sa.Float(), nullable=False),
        sa.Column('red_on', sa.Date(), nullable=True),
        sa.Column('pace', sa.Float(), nullable=False),
        sa.Column('spread', sa.Float(), nullable=False),
        sa.Column('reports', sa.Integer(), nullable=False),
        sa.Column('soon_red', sa.Boolean(), nullable=False),
        sa.Column('soon_red_since', sa.Date(), nullable=True),
        sa.Column('words', sa.Text(), nullable=False),
        sa.Column('dates', sa.JSON(), nullable=False),
        sa.Column('rule_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('task_code'),
    )
    op.create_index('ix_forecasts_unit', 'forecasts', ['unit'])
    op.create_index('ix_forecasts_soon_red_unit', 'forecasts', ['soon_red', 'unit'])
    op.create_table(
        'forecast_checks',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('task_code', sa.String(length=32), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('forecast_on', sa.Date(), nullable=False),
        sa.Column('red_on', sa.Date(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('judged_on', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_forecast_checks_task_code', 'forecast_checks', ['task_code'])
    op.create_index('ix_forecast_checks_outcome_red_on', 'forecast_checks',
                    ['outcome', 'red_on'])


def downgrade():
    op.drop_index('ix_forecast_checks_outcome_red_on', 'forecast_checks')
    op.drop_index('ix_forecast_checks_task_code', 'forecast_checks')
    op.drop_table('forecast_checks')
    op.drop_index('ix_forecasts_soon_red_unit', 'forecasts')
    op.drop_index('ix_forecasts_unit', 'forecasts')
    op.drop_table('forecasts')
    op.drop_table('progress_points')
