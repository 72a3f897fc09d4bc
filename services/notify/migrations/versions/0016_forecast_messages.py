"""forecast messages: the office's own routing rules (when it stored some) gain
the default rule of forecast_turned_red, as the built-in defaults have it

Revision ID: 0016
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0012'
branch_labels = None
depends_on = None

RULES = sa.table(
    'routing_rules', sa.column('position', sa.Integer), sa.column('event_type', sa.String),
    sa.column('colour', sa.String), sa.column('unit', sa.String), sa.column('role', sa.String),
    sa.column('channels', sa.JSON), sa.column('quiet_hours', sa.String),
    sa.column('enabled', sa.Boolean), sa.column('days_before', sa.Integer))


def upgrade():
    # No stored rules: the defaults are read, and they hold the new rule already.
    bind = op.get_bind()
    last = bind.execute(sa.select(sa.func.max(RULES.c.position))).scalar()
    if last is None:
        return
    known = bind.execute(sa.select(sa.func.count()).select_from(RULES)
                         .where(RULES.c.event_type == 'forecast_turned_red')).scalar()
    if known:
        return
    bind.execute(RULES.insert().values(
        position=last + 1, event_type='forecast_turned_red', colour=None, unit=None,
        role='operator', channels=['sms', 'inbox'], quiet_hours='22:00-08:00', enabled=True,
        days_before=None))


def downgrade():
    op.get_bind().execute(RULES.delete().where(RULES.c.event_type == 'forecast_turned_red'))
