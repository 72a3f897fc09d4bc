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
