"""A PostgreSQL database of its own for each test that asks, dropped afterwards."""
import os
import uuid
from contextlib import contextmanager

import psycopg

DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url():
    return os.environ.get("LUOSHI_TEST_PG_URL", DEFAULT)


@contextmanager
def private_database(prefix="luoshi_test_"):
    """Yield a SQLAlchemy URL of a fresh database named `prefix` + a random
    suffix; drop it afterwards."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    url = admin_url()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = url.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
