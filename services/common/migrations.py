"""What every service's migrations/env.py runs: alembic online, against the URL
the migrate step gives it, with the service's tables and the shared ones
(services/launch/migrate.py runs the steps)."""
from .sessions import make_engine
from .tables import PLUMBING


def run_alembic_env(metadata):
    """The body of every service's migrations/env.py (online mode only)."""
    from alembic import context

    engine = make_engine(context.config.attributes["luoshi_url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=[metadata, PLUMBING],
            render_as_batch=True, compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def room_to_update_in_place(tables, fillfactor):
    """Keep `fillfactor` percent of each new page of `tables` filled (None: full
    again), on PostgreSQL. A row rewritten where no index holds a changed column
    stays in its page, with no new index entry (a HOT update), only when the page
    has room; a full page sends it elsewhere with an entry in every index. SQLite
    rewrites rows in place anyway."""
    from alembic import op

    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        if fillfactor is None:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
        else:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = {int(fillfactor)})")


APPLIED_AT_INDEX = "ix_applied_events_applied_at"


def applied_events_by_age(present):
    """Index (present) or not the moments at which a service applied each event:
    what it forgets by age (services/common/retention.py), and what an
    operator's `activity` asks the last of."""
    from alembic import op

    if present:
        op.create_index(APPLIED_AT_INDEX, "applied_events", ["applied_at"])
    else:
        op.drop_index(APPLIED_AT_INDEX, table_name="applied_events")


STARTED_AT_INDEX = "ix_timer_runs_started_at"


def timer_runs_by_age(present):
    """Index (present) or not the moments at which a service's timers claimed
    their runs: what it forgets by age (services/common/retention.py)."""
    from alembic import op

    if present:
        op.create_index(STARTED_AT_INDEX, "timer_runs", ["started_at"])
    else:
        op.drop_index(STARTED_AT_INDEX, table_name="timer_runs")
