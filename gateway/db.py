"""The gateway's own database: an engine and sessions as units of work (its schema
is under alembic: gateway/schema.py)."""
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # Each query planned for its values, as the services' are: a plan kept for
        # any values can be hundreds of times slower on skewed columns
        # (services/common/sessions.py).
        return create_engine(url, pool_pre_ping=True, connect_args={
            "options": "-c plan_cache_mode=force_custom_plan"})
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # Routes run in a thread pool, so a connection may serve several threads in turn.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # WAL lets readers (every authenticated request) go on while a login writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class Database:
    """An engine and its sessions; `session()` commits on success, rolls back on error."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self):
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def get_db(request: Request):
    """FastAPI dependency: a session of the app's database for one request."""
    with request.app.state.db.session() as session:
        yield session


# Scoped to the route function, so the commit lands before the client has its answer.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
