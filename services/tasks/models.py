"""The tasks service's tables: units, tasks, targets, progress, evidence, 13710
clock stages, written commitments and the extensions of due dates."""
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

units = Table(
    "units", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent", String(32), ForeignKey("units.code")),
    Column("head", JSON),
    Column("operator", JSON),
    Column("created_at", DateTime, nullable=False),
)

tasks = Table(
    "tasks", metadata,
    Column("code", String(32), primary_key=True),
    Column("title", String(300), nullable=False),
    Column("category", String(50)),
    Column("source", String(16), nullable=False),
    Column("clock_class", String(16)),
    Column("lead_unit", String(32), ForeignKey("units.code"), nullable=False, index=True),
    Column("responsible_person", String(50)),
    Column("start_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_reason", Text),
    # Latest accepted cumulative percentage, kept here so a batch of reports is
    # checked against it without reading the whole history.
    Column("percent", Float, nullable=False, default=0),
    Column("last_reported_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
)

task_units = Table(
    "task_units", metadata,
    Column("task_code", String(32), ForeignKey("tasks.code"), primary_key=True),
    Column("unit_code", String(32), ForeignKey("units.code"), primary_key=True),
    Column("role", String(16), nullable=False),  # lead or cooperating
    Index("ix_task_units_unit", "unit_code"),
)

targets = Table(
    "targets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("planned_percent", Float, nullable=False),
    Column("description", String(500)),
    Column("unit", String(32), ForeignKey("units.code"), nullable=False),
    UniqueConstraint("task_code", "seq"),
)

progress_reports = Table(
    "progress_reports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(32), nullable=False, index=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False),
    Column("unit_code", String(32), ForeignKey("units.code"), nullable=False),
    Column("percent", Float, nullable=False),
    Column("note", Text),
    Column("correction", Boolean, nullable=False, default=False),
    Column("reported_at", DateTime, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("source", String(64), nullable=False),
    Column("reported_by", String(64)),
    Index("ix_progress_task", "task_code", "id"),
)

evidence = Table(
    "evidence", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("uploaded_at", DateTime, nullable=False),
    Column("uploaded_by", String(64)),
)

clock_stages = Table(
    "clock_stages", metadata,
    Column("task_code", String(32), ForeignKey("tasks.code"), primary_key=True),
    Column("stage", String(16), primary_key=True),
    # The unit's own time of the stage, kept as information (bounded by receipt).
    Column("recorded_at", DateTime, nullable=False),
    Column("recorded_by", String(64)),
    # When the platform received it: what timeliness is judged by.
    Column("received_at", DateTime, nullable=False),
)

# The office's corrections of when a report was received, each with its reason.
receipt_corrections = Table(
    "receipt_corrections", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Integer, ForeignKey("progress_reports.id"), nullable=False, index=True),
    Column("previous_received_at", DateTime, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("corrected_by", String(64)),
    Column("corrected_at", DateTime, nullable=False),
)

commitments = Table(
    "commitments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False, index=True),
    Column("unit", String(32), ForeignKey("units.code"), nullable=False),
    Column("step", String(300), nullable=False),
    Column("promised_date", Date, nullable=False),
    Column("result", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("fulfilled_at", DateTime),
)

# A batch's Idempotency-Key, kept in the transaction that stores the batch: a
# request redelivered after a crash, or retried by its client, is answered from
# here instead of being stored twice.
progress_batches = Table(
    "progress_batches", metadata,
    Column("caller", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("answer", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False, index=True),
)

# Every extension the office approved, in order: the due date in `tasks` or
# `targets` is the latest, this is how it got there.
extensions = Table(
    "extensions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False, index=True),
    Column("seq", Integer),  # the target's, or NULL for the task's own due date
    Column("previous_due_date", Date, nullable=False),
    Column("new_due_date", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("extended_by", String(64)),
    Column("extended_at", DateTime, nullable=False),
)
