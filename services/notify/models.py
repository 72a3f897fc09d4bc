"""The notify service's tables: the units' contacts and every notification
written (the inbox and delivery log)."""
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

contacts = Table(
    "contacts", metadata,
    Column("unit", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("head", JSON),  # {name, phone, email} of the unit's head (一把手)
    Column("operator", JSON),
)

notifications = Table(
    "notifications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("unit", String(32), nullable=False, index=True),
    Column("task", String(32), nullable=False, index=True),
    Column("colour", String(16), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("event_id", String(32), nullable=False),  # the evaluation that caused it
    Column("created_at", DateTime, nullable=False),
    # A re-run evaluation comes under a new event_id: this key, not the event's,
    # keeps a recipient from hearing twice that a task turned red on one day.
    UniqueConstraint("task", "colour", "as_of", "channel", "recipient",
                     name="uq_notifications_once"),
)
