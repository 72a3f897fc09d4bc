"""The tasks service's tables: units, tasks, targets, progress, evidence, 13710
clock stages, written commitments, the extensions of due dates, and the history
of every change the office makes to a task, its plan or a unit, and a copy of the
office's working-day calendar."""
import datetime as dt

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

from services.common.calendar_copy import calendar_copy_table
from services.common.retention import Kept
from services.common.rule_versions import rule_versions_table

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
    # active or retired; a retired unit takes no new task, and `merged_into`
    # names the unit that took over its open tasks, if any.
    Column("status", String(16), nullable=False, server_default="active"),
    Column("retired_at", DateTime),
    Column("merged_into", String(32)),
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
    # The batch (批次) the office gave it in, for example "2026年第一批".
    Column("batch", String(100), index=True),
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
    # The plan (task_plans.version) the target belongs to; `replaced_in` the
    # plan that replaced it before it fell due, NULL while it is in force.
    Column("plan_version", Integer, nullable=False, server_default="1"),
    Column("replaced_in", Integer),
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
    # The progress report the file supports; NULL while it is an upload no report
    # has named yet (or a file kept for a stage, a message or the task itself).
    Column("report_id", Integer, ForeignKey("progress_reports.id"), index=True),
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
# A request comes again within minutes (the gateway keeps its own answers by key
# for LUOSHI_IDEMPOTENCY_RETENTION_DAYS); a batch's answer lists every report,
# and a county's daily batches would otherwise fill the database over the years.
BATCH_ANSWERS = Kept(progress_batches.c.created_at, progress_batches.c.key,
                     dt.timedelta(days=30))

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


# Every change of a task after its creation, in order: what changed ({field:
# [old, new]}), why, by whom and when. The row in `tasks` is the latest state.
task_versions = Table(
    "task_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # update, replan, cancel, merge
    Column("changes", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_by", String(64)),
    Column("changed_at", DateTime, nullable=False),
    UniqueConstraint("task_code", "version"),
)

# The plans the office approved after the first (version 1, the plan the task
# was created with, has no row): from `effective_on` the targets of that
# version replace those of the earlier plan not yet due.
task_plans = Table(
    "task_plans", metadata,
    Column("task_code", String(32), ForeignKey("tasks.code"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("effective_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("approved_by", String(64)),
    Column("approved_at", DateTime, nullable=False),
)

# Every change of a unit after its creation: renamed, a new head, retired,
# merged into another.
unit_versions = Table(
    "unit_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_code", String(32), ForeignKey("units.code"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # update, retire, merge
    Column("changes", JSON, nullable=False),
    Column("reason", Text),
    Column("changed_by", String(64)),
    Column("changed_at", DateTime, nullable=False),
)


# Leaders' instructions (批示): on an existing task, or as a new matter that became
# a task of source `instruction` on the 13710 clock; a follow-up (再批示) names the
# instruction it follows and has a matter, and a clock, of its own.
instructions = Table(
    "instructions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # on_task, new_matter, follow_up
    Column("parent_id", Integer, ForeignKey("instructions.id")),
    Column("leader", String(64), nullable=False, index=True),  # the leader's user name
    Column("leader_name", String(50), nullable=False),
    Column("given_on", Date, nullable=False),
    Column("text", Text, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

# Each correction of an instruction (a typo in its words, the leader's name shown
# under it, its date): the three fields as they were and as they became, and why.
instruction_corrections = Table(
    "instruction_corrections", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("instruction_id", Integer, ForeignKey("instructions.id"), nullable=False,
           index=True),
    Column("corrected_at", DateTime, nullable=False),
    Column("corrected_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("text_before", Text, nullable=False),
    Column("text_after", Text, nullable=False),
    Column("leader_name_before", String(50), nullable=False),
    Column("leader_name_after", String(50), nullable=False),
    Column("given_on_before", Date, nullable=False),
    Column("given_on_after", Date, nullable=False),
)

# What the lead unit reported at a 13710 stage: words, and files kept as the
# task's evidence (their ids).
stage_feedback = Table(
    "stage_feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False, index=True),
    Column("stage", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("evidence_ids", JSON, nullable=False),
    Column("given_by", String(64)),
    Column("given_at", DateTime, nullable=False),
)

# The conversation on a task between the office, its units and its leaders.
task_messages = Table(
    "task_messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False),
    Column("author", String(64), nullable=False),
    Column("author_role", String(16), nullable=False),  # office, unit, leader
    Column("author_unit", String(32)),
    Column("text", Text, nullable=False),
    Column("evidence_ids", JSON, nullable=False),
    Column("posted_at", DateTime, nullable=False),
    Index("ix_task_messages_task", "task_code", "id"),
)


# A lead unit's request for a later due date (the task's, `seq` NULL, or a
# target's) and the office's decision: approved (to the asked date), shortened
# (to a date between the old and the asked one) or refused. An approval moves the
# date as extend_task does, and `extension_id` names the extension it made.
extension_requests = Table(
    "extension_requests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False, index=True),
    Column("seq", Integer),
    Column("unit", String(32), ForeignKey("units.code"), nullable=False, index=True),
    Column("previous_due_date", Date, nullable=False),
    Column("asked_due_date", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", String(64)),
    Column("requested_at", DateTime, nullable=False),
    # pending, approved, shortened, refused
    Column("status", String(16), nullable=False, index=True),
    Column("granted_due_date", Date),
    Column("decision_reason", Text),
    Column("decided_by", String(64)),
    Column("decided_at", DateTime),
    Column("extension_id", Integer, ForeignKey("extensions.id")),
)

# The office's rules for the evidence a progress report must carry, in versions
# (services/common/rule_versions.py).
evidence_rules = rule_versions_table("evidence_rules", metadata)
# 复核: a unit's closing, 13710 stage or kept commitment as a request the office
# may check (services/tasks/verification.py). `draw` is kept for the audit and
# never shown to units; `claim` is what the unit claimed, to be applied when the
# office confirms (the stage's own times, the commitment's day kept).
verifications = Table(
    "verifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # closure, clock_stage, commitment
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False),
    Column("unit", String(32), ForeignKey("units.code"), nullable=False),
    Column("subject", String(32)),  # the stage, or the commitment's id
    Column("claim", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # counted, pending, confirmed, returned
    Column("policy_version", Integer, nullable=False),
    Column("draw", Integer),
    Column("status_before", String(16)),
    Column("requested_by", String(64)),
    Column("requested_at", DateTime, nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", DateTime),
    Column("reason", Text),
    Index("ix_verifications_task", "task_code", "id"),
    Index("ix_verifications_status", "status", "requested_at"),
)

verification_policies = rule_versions_table("verification_policies", metadata)

# Signals of gamed numbers (signals.py), for the office only: found after each
# batch of reports, evidence upload or 13710 stage, stored once by `key`, and
# marked by the office reviewed (看过，无问题) or confirmed (属实), with its note.
gaming_signals = Table(
    "gaming_signals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("task_code", String(32), ForeignKey("tasks.code"), nullable=False),
    Column("unit", String(32), ForeignKey("units.code"), nullable=False, index=True),
    Column("detail", Text, nullable=False),
    Column("evidence_ids", JSON, nullable=False),
    Column("first_seen", DateTime, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # open, reviewed, confirmed
    Column("reviewed_by", String(64)),
    Column("reviewed_at", DateTime),
    Column("note", Text),
)


# The working-day calendar's years the office entered, copied from the warnings
# service's calendar_changed events: the signals count the working days to a due
# date and a 13710 stage's deadline by them, and a new matter is due by default
# when its 13710 clock closes.
calendar_years = calendar_copy_table(metadata)
