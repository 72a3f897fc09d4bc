"""The tables every service keeps beside its own: the outbox, the events it
applied, leases and timer runs. Each service's migrations create them with its
own tables (see services/launch/migrate.py)."""
from sqlalchemy import JSON, BigInteger, Column, DateTime, Integer, MetaData, String, Table

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
    # Indexed: the service forgets applications by age (retention.py), and
    # operators ask for the last (operations.activity).
    Column("applied_at", DateTime, nullable=False, index=True),
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
    # Indexed: the service forgets runs by age (retention.py).
    Column("started_at", DateTime, nullable=False, index=True),
)


