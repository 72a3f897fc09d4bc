"""Flows tier: the four services together in one nameko runner, talking over the
broker exactly as in production.

Real: RabbitMQ (a private vhost per test), every service's own SQLite database,
the outbox relays, retries. Faked: nothing; only the gateway is absent (calls go
straight to the services' RPC entrypoints).
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)

import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402 — nameko needs it before anything else loads

import pytest  # noqa: E402

from tests.support.broker import private_vhost  # noqa: E402


@pytest.fixture
def amqp_uri():
    # A vhost per test: queues, retries and parked messages never leak between tests.
    with private_vhost() as uri:
        yield uri
