"""Service tier: one service in a nameko container, called with `entrypoint_hook`.

Real: RabbitMQ (a private vhost per test), the service's database (SQLite in a
temporary folder, and PostgreSQL in a private database where a test asks for
`db_backend`), the outbox relay. Faked: nothing; the other services are simply
not running, and what they would receive is read from a tap on the exchange.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)

import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402 — nameko needs it before anything else loads

import pytest  # noqa: E402

from services.common.sessions import make_engine  # noqa: E402
from services.common.tables import PLUMBING  # noqa: E402
from tests.support.broker import private_vhost  # noqa: E402
from tests.support.postgres import private_database  # noqa: E402


@pytest.fixture
def amqp_uri():
    # A vhost per test: queues, retries and parked messages never leak between tests.
    with private_vhost() as uri:
        yield uri


@pytest.fixture(params=["sqlite", "postgres"])
def db_backend(request):
    """The database URL for the service under test: None means SQLite in the data folder."""
    if request.param == "sqlite":
        yield None
    else:
        with private_database() as url:
            yield url


@pytest.fixture
def plumbing(db_backend, tmp_path):
    """An engine on a database of the tables every service keeps beside its own
    (outbox, applied events, leases, timer runs), and nothing else."""
    engine = make_engine(db_backend or f"sqlite:///{tmp_path / 'plumbing.db'}")
    PLUMBING.create_all(engine)
    yield engine
    engine.dispose()
