"""alembic's environment for the gateway's database (online mode only), run by
gateway/schema.py against the URL it is given."""
from alembic import context

from gateway.db import make_engine
from gateway.models import Base

engine = make_engine(context.config.attributes["luoshi_url"])
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
