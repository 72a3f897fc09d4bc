"""The gateway's own database: an engine, sessions as units of work, the schema."""
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .models import AuditChainHead, Base


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
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
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Create missing tables, and add missing nullable columns to existing ones.

        The gateway's tables only ever gain tables and nullable columns, so a
        database from an earlier version is brought up to date in place.
        """
        Base.metadata.create_all(self.engine)
        existing = inspect(self.engine)
        with self.engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                present = {column["name"] for column in existing.get_columns(table.name)}
                for column in table.columns:
                    if column.name in present or not column.nullable:
                        continue
                    kind = column.type.compile(dialect=self.engine.dialect)
                    connection.exec_driver_sql(
                        f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
        self._ensure_chain_head()

    def _ensure_chain_head(self) -> None:
        """The audit chain's head row, which every audit writer locks first."""
        try:
            with self.session() as db:
                if db.get(AuditChainHead, 1) is None:
                    db.add(AuditChainHead(id=1, writes=0))
        except IntegrityError:  # another worker made it at the same moment
            pass

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
