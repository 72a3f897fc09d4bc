"""Database plumbing: engines, sessions as units of work, and the tables every
service keeps beside its own (outbox, applied events, leases, timer runs).
"""
import datetime as dt
import logging
import zlib
from contextlib import contextmanager
from functools import partial
from operator import itemgetter

from eventlet import tpool
from nameko.extensions import DependencyProvider
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse

from .clock import wall_now
from .config import db_url
from .wal import FALLBACK_PAGES, WalCheckpointer, database_file

log = logging.getLogger(__name__)


def utcnow():
    """Now as the naive UTC the tables keep (the platform's clock: see clock.py)."""
    return wall_now().replace(tzinfo=None)


def iso(value):
    """A stored date or moment as ISO 8601 text; anything else as it is."""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def utc_iso(moment):
    """A stored (naive UTC) moment as answers carry it, ISO 8601 with its Z; None
    stays None."""
    return moment.isoformat() + "Z" if moment is not None else None


# The same four tables live in every service's database; each service's
# migrations create them beside its own (see migrate.py).
PLUMBING = MetaData()

outbox = Table(
    "outbox", PLUMBING,
    # BigInteger ids keep their order on PostgreSQL; SQLite needs INTEGER for rowid.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(32), nullable=False, unique=True),
    Column("event_type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, index=True),
)
applied_events = Table(
    "applied_events", PLUMBING,
    Column("event_id", String(32), primary_key=True),
    Column("consumer", String(64), primary_key=True),
    Column("applied_at", DateTime, nullable=False),
)
leases = Table(
    "leases", PLUMBING,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)
timer_runs = Table(
    "timer_runs", PLUMBING,
    Column("job", String(64), primary_key=True),
    Column("period", String(32), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("started_at", DateTime, nullable=False),
)


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
                           connect_args={"options": "-c random_page_cost=1.1"})

    @event.listens_for(engine, "connect")
    def _lists_in_binary(dbapi_connection, _record):
        # Lists (the arrays of `among` and `update_many`) go to the server in
        # binary: in text the driver checks every element for quoting, eight
        # times slower (14,000 strings: 25 ms, against 3).
        dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)

    return engine


def insert_ignoring_conflicts(session, table, rows):
    """INSERT rows, silently skipping those whose key exists. Answers how many
    were inserted."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    # Counting the returned keys: rowcount is not reliable across drivers here.
    key = list(table.primary_key.columns)[0]
    statement = insert(table).values(rows).on_conflict_do_nothing().returning(key)
    return len(session.execute(statement).all())


def among(session, column, values):
    """`column IN values`, for a batch's worth of values. On PostgreSQL it is
    `column = ANY(:array)`: one parameter however many values, so the statement's
    text is the same for every batch and the driver converts and prepares it once,
    where an IN list of a thousand is a new statement each time (a tenth of a
    batch's time went to writing and converting those)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def insert_many(session, table, rows):
    """INSERT rows (dicts with the same keys, named after columns) in one go, as
    update_many does."""
    if rows:
        update_many(session, table.insert(), rows, columns=list(rows[0]))


def update_many(session, statement, rows, columns=None):
    """Run one UPDATE over many parameter sets (dicts keyed by its bind names): on
    PostgreSQL as one statement reading them from arrays (_from_arrays), on SQLite
    in a single executemany, through the driver. SQLAlchemy's own executemany builds
    every parameter set in Python, which costs as much again as the update at a
    thousand rows; here the statement is compiled once and each row only goes
    through its columns' type conversions (dates as text on SQLite). `columns`:
    those an INSERT without values sets, each its own bind."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        connection.execute(_from_arrays(statement, rows, dialect, columns))
        return
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    names = compiled.positiontup if dialect.positional else list(compiled.binds)
    convert = [(at, process) for at, name in enumerate(names)
               for process in (_bind_processor(compiled.binds[name].type, dialect),)
               if process is not None]
    values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    params = []
    for row in rows:
        row_values = values(row)
        if convert:
            row_values = list(row_values)
            for at, process in convert:
                if row_values[at] is not None:
                    row_values[at] = process(row_values[at])
        params.append(tuple(row_values) if dialect.positional
                      else dict(zip(names, row_values, strict=True)))
    connection.exec_driver_sql(compiled.string, params)


def _from_arrays(statement, rows, dialect, columns):
    """`statement` over all `rows` as one statement for PostgreSQL, which reads
    them from arrays, one per bind parameter: `UPDATE ... FROM unnest(:a, :b) AS
    v(a, b) WHERE ... = v.b`, or `INSERT ... SELECT * FROM unnest(...)`. Each
    row of an executemany is a statement of its own for the server (half the time
    of a batch's updates of a thousand rows). The rows must name distinct rows of
    the table: a row updated twice takes one of its values, not the last."""
    if columns is not None:  # an INSERT of these columns
        v = _unnested(rows, columns, [statement.table.c[name].type for name in columns])
        return statement.from_select(columns, select(*v.c))
    binds = statement.compile(dialect=dialect).binds
    v = _unnested(rows, list(binds), [bind.type for bind in binds.values()])
    return replacement_traverse(statement, {}, lambda element: v.c[element.key] if (
        isinstance(element, BindParameter) and element.key in binds) else None)


def _unnested(rows, names, types):
    """`unnest(:a, :b, ...) AS v(a, b, ...)`: the rows' values of each name as an
    array of its type."""
    return func.unnest(*[
        bindparam(None, _one_kind(type_, [row[name] for row in rows]),
                  type_=postgresql.ARRAY(type_))
        for name, type_ in zip(names, types, strict=True)
    ]).table_valued(*names).render_derived(name="v")


def _one_kind(type_, values):
    """A column's values as one Python type, which the driver needs to write them
    as an array: whole numbers among floats as floats, moments with an offset as
    the naive UTC moments the services keep."""
    if isinstance(type_, Float):
        return [value if value is None else float(value) for value in values]
    if isinstance(type_, DateTime) and not type_.timezone:
        return [value.astimezone(dt.UTC).replace(tzinfo=None)
                if value is not None and value.tzinfo is not None else value
                for value in values]
    return values


# SQLite's dates and moments in SQLAlchemy's default text format, and the
# function of Python's that writes the same text.
_ISO_TEXT = (
    (sqlite.DATE, dt.date, dt.date.isoformat),
    (sqlite.DATETIME, dt.datetime, lambda moment: moment.isoformat(" ", "microseconds")),
)


def _bind_processor(type_, dialect):
    """The conversion of a value of `type_` on its way to the driver: SQLAlchemy's,
    except for SQLite's dates and moments, which Python's isoformat writes as the
    same text in half the time (a batch converts some three thousand)."""
    impl = type_.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    for base, kind, to_text in _ISO_TEXT if process and dialect.name == "sqlite" else ():
        if isinstance(impl, base) and impl._storage_format == base._storage_format:
            return partial(_iso_text, kind, to_text, process)
    return process


def _iso_text(kind, to_text, process, value):
    # Only a naive value of exactly the type: subclasses and aware moments keep
    # SQLAlchemy's formatting, which drops the offset.
    if type(value) is kind and (kind is dt.date or value.tzinfo is None):
        return to_text(value)
    return process(value)


def first_application(session, event_id, consumer):
    """Record that `consumer` applies `event_id` in this transaction. False when it
    was applied before: the caller skips it, so redelivery changes nothing."""
    return insert_ignoring_conflicts(
        session, applied_events,
        [{"event_id": event_id, "consumer": consumer, "applied_at": utcnow()}],
    ) == 1


def claim_timer_run(session, job, period, holder):
    """True for exactly one caller per (job, period), however many replicas ask."""
    return insert_ignoring_conflicts(
        session, timer_runs,
        [{"job": job, "period": period, "holder": holder, "started_at": utcnow()}],
    ) == 1


def timer_run_claimed(session, job, period):
    """Whether some caller has claimed (job, period) already: a cheap check before
    work that must not be done inside the claiming transaction."""
    return session.execute(select(timer_runs.c.holder).where(
        timer_runs.c.job == job, timer_runs.c.period == period)).first() is not None


def hold_lease(session, name, holder, seconds):
    """Take or renew the lease `name` for `holder`. True while it holds it."""
    table = leases
    now = utcnow()
    insert_ignoring_conflicts(
        session, table, [{"name": name, "holder": holder, "expires_at": now}]
    )
    result = session.execute(
        table.update()
        .where(table.c.name == name)
        .where((table.c.holder == holder) | (table.c.expires_at < now))
        .values(holder=holder, expires_at=now + dt.timedelta(seconds=seconds))
    )
    return result.rowcount == 1


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
    lock), as they do on SQLite.
    """

    def __init__(self, relay=True, one_writer=False):
        self.relay_enabled = relay
        self.relay = None
        self.one_writer = one_writer
        self.checkpointer = None

    def setup(self):
        config = self.container.config
        url = db_url(self.container.service_name, config)
        path = database_file(url)
        self.checkpointer = WalCheckpointer(path) if path else None
        self.engine = make_engine(url, background_checkpoints=self.checkpointer is not None)
        if self.relay_enabled:
            from .outbox import OutboxRelay

            self.relay = OutboxRelay(self.engine, self.container.service_name, config)

    def start(self):
        if self.relay:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")
        if self.checkpointer:
            self.container.spawn_managed_thread(
                partial(self.checkpointer.run, tpool.execute), identifier="wal-checkpointer")

    def stop(self):
        if self.relay:
            self.relay.stop()
        self._stop_checkpoints()
        self.engine.dispose()

    def kill(self):
        if self.relay:
            self.relay.stop(flush=False)
        self._stop_checkpoints()
        self.engine.dispose()

    def _stop_checkpoints(self):
        if self.checkpointer:
            self.checkpointer.stop()

    def get_dependency(self, worker_ctx):
        lock = writers_lock(self.container.service_name) if self.one_writer else None
        return Store(self.engine, self.relay.wake if self.relay else None, lock)


def writers_lock(service_name):
    """The key of a service's advisory lock for writers on PostgreSQL."""
    return zlib.crc32(f"luoshi-{service_name}-writers".encode())

