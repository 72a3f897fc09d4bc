"""Engines and sessions: an engine tuned for the database behind a URL, sessions
as units of work that commit on success and roll back on error, and the
`Database` dependency that gives a worker its service's sessions and outbox."""
import zlib
from contextlib import contextmanager
from functools import partial

from eventlet import tpool
from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

from .clock import utcnow
from .config import db_url
from .outbox import OutboxRelay
from .retention import Retention
from .statistics import StatisticsKeeper, statistics_lock
from .tables import outbox
from .wal import FALLBACK_PAGES, WalCheckpointer, database_file

# The driver prepares a statement it has run five times, and the server may then
# keep one plan for any values, made from guesses at them. On a city's skewed
# columns (every task active, a period's targets near half of the table) such a
# plan walked the targets' due dates once per task: a ranking's query for the units
# with targets due took 5 s at a quarter of a city, against 15 ms planned for its
# values (bench/kept_plans.py).
# A plan for each execution costs a fraction of a millisecond; the statement is
# still parsed once.
CUSTOM_PLANS = "-c plan_cache_mode=force_custom_plan"


def make_engine(url, background_checkpoints=False):
    """An engine tuned for the database behind `url`. With `background_checkpoints`
    a WalCheckpointer keeps SQLite's log short and commits leave it alone (wal.py)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers work while a writer commits; several processes
            # (replicas, the migrate step) share one file.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            if background_checkpoints:
                cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the write lock at the start: a deferred transaction that
            # later writes can fail with "database is locked" instead of waiting.
            # Readers stay deferred so they never queue behind writers.
            readonly = conn.get_execution_options().get("luoshi_readonly")
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    from psycopg.types.array import ListBinaryDumper

    # A service's database is small enough to stay in the server's memory (a
    # city's warnings are some 120 MB), where a page read at random costs about
    # what one read in turn does. Told so, the planner joins a batch of a thousand
    # rows to its table through the key's index instead of scanning the table
    # (a batch's update of its tasks: 6.5 ms against 3.7).
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                           connect_args={"options": f"-c random_page_cost=1.1 {CUSTOM_PLANS}"})

    @event.listens_for(engine, "connect")
    def _lists_in_binary(dbapi_connection, _record):
        # Lists (the arrays of `among` and `update_many`) go to the server in
        # binary: in text the driver checks every element for quoting, eight
        # times slower (14,000 strings: 25 ms, against 3).
        dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)

    return engine


class Store:
    """What a worker sees: sessions that commit on success and roll back on error,
    and `emit` to add an event to the outbox of the same transaction."""

    def __init__(self, engine, on_emitted=None, writers_lock=None):
        self.engine = engine
        self._reader = engine.execution_options(luoshi_readonly=True)
        self._on_emitted = on_emitted
        # SQLite already lets one writer in at a time (BEGIN IMMEDIATE).
        self._writers_lock = writers_lock if engine.dialect.name == "postgresql" else None

    @contextmanager
    def session(self, readonly=False):
        bind = self._reader if readonly else self.engine
        with Session(bind, expire_on_commit=False) as session:
            with session.begin():
                if self._writers_lock is not None and not readonly:
                    # Taken first, before any row lock, so that writers queue
                    # here and never deadlock; released at commit or rollback.
                    session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                    {"key": self._writers_lock})
                yield session
            if session.info.get("emitted") and self._on_emitted:
                self._on_emitted()

    def emit(self, session, event_type, payload):
        """Queue an event in the outbox; it leaves only if the transaction commits."""
        session.execute(outbox.insert().values(
            event_id=payload["event_id"], event_type=event_type, payload=payload,
            created_at=utcnow(),
        ))
        session.info["emitted"] = True


class Database(DependencyProvider):
    """The service's own database, from LUOSHI_<SERVICE>_DB_URL (read at set-up).

    When the service emits events, an outbox relay runs beside the workers and
    publishes what committed transactions queued. With `one_writer`, the write
    transactions of all its replicas take turns on PostgreSQL too (an advisory
    lock), as they do on SQLite. Beside them, its database is looked after: a
    SQLite file's log checkpointed (wal.py), a PostgreSQL database's changed
    tables analysed (statistics.py), and rows kept only for a while forgotten
    (retention.py: the outbox's, applied_events' and `kept`, [retention.Kept]).
    """

    def __init__(self, relay=True, one_writer=False, kept=()):
        self.relay_enabled = relay
        self.relay = None
        self.one_writer = one_writer
        self.kept = kept
        self.checkpointer = None
        self.statistics = None
        self.retention = None

    def setup(self):
        config = self.container.config
        url = db_url(self.container.service_name, config)
        path = database_file(url)
        self.checkpointer = WalCheckpointer(path) if path else None
        self.engine = make_engine(url, background_checkpoints=self.checkpointer is not None)
        if self.engine.dialect.name == "postgresql":
            self.statistics = StatisticsKeeper(
                url, statistics_lock(self.container.service_name))
        if self.relay_enabled:
            self.relay = OutboxRelay(self.engine, self.container.service_name, config)
        self.retention = Retention(self.engine, self.kept)

    def start(self):
        if self.relay:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")
        if self.checkpointer:
            self.container.spawn_managed_thread(
                partial(self.checkpointer.run, tpool.execute), identifier="wal-checkpointer")
        if self.statistics:
            self.container.spawn_managed_thread(self.statistics.run, identifier="statistics")
        self.container.spawn_managed_thread(self.retention.run, identifier="retention")

    def stop(self):
        if self.relay:
            self.relay.stop()
        self._stop_upkeep()
        self.engine.dispose()

    def kill(self):
        if self.relay:
            self.relay.stop(flush=False)
        self._stop_upkeep()
        self.engine.dispose()

    def _stop_upkeep(self):
        if self.checkpointer:
            self.checkpointer.stop()
        if self.statistics:
            self.statistics.stop()
        if self.retention:
            self.retention.stop()

    def get_dependency(self, worker_ctx):
        lock = writers_lock(self.container.service_name) if self.one_writer else None
        return Store(self.engine, self.relay.wake if self.relay else None, lock)


def writers_lock(service_name):
    """The key of a service's advisory lock for writers on PostgreSQL."""
    return zlib.crc32(f"luoshi-{service_name}-writers".encode())

