"""The warnings service's tables: its own copy of what it evaluates (tasks and
targets, from the tasks service's events) and the colour state with its history."""
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

watched_tasks = Table(
    "watched_tasks", metadata,
    Column("code", String(32), primary_key=True),
    Column("lead_unit", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("percent", Float, nullable=False),
    Column("last_reported_at", DateTime),
    # How many reports of this task were applied: each report counts once
    # however often its event is delivered, which is what operators check.
    Column("reports_applied", Integer, nullable=False, server_default="0"),
)

watched_targets = Table(
    "watched_targets", metadata,
    Column("task_code", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("due_date", Date, nullable=False),
    Column("planned_percent", Float, nullable=False),
    Column("unit", String(32), nullable=False),
)

colours = Table(
    "colours", metadata,
    Column("item_kind", String(16), primary_key=True),
    Column("item_key", String(64), primary_key=True),
    Column("task_code", String(32), nullable=False, index=True),
    Column("unit", String(32), nullable=False),
    Column("colour", String(8), nullable=False),
    Column("reason", Text, nullable=False),
    Column("since", Date, nullable=False),
    Column("rule_version", Integer, nullable=False),
    Index("ix_colours_unit_colour", "unit", "colour"),
    Index("ix_colours_kind_colour", "item_kind", "colour"),
)

colour_history = Table(
    "colour_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_kind", String(16), nullable=False),
    Column("item_key", String(64), nullable=False),
    Column("task_code", String(32), nullable=False, index=True),
    Column("unit", String(32), nullable=False),
    Column("colour", String(8), nullable=False),
    Column("previous", String(8)),
    Column("reason", Text, nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("changed_at", DateTime, nullable=False),
)
