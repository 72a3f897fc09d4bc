"""The ranking service's tables.

Copies of what other services told it (units, tasks, targets, reports, colour
changes, commitments, notices), kept as facts with their days so that any period
can be scored as of any day; and what it owns: the score rules, the lead units'
evaluations, the frozen rankings of periods and the live standings.

No foreign keys: the copies are filled from events of two services, which may
arrive in any order.
"""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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

from services.common.calendar_copy import calendar_copy_table
from services.common.rule_versions import rule_versions_table

metadata = MetaData()
BigId = BigInteger().with_variant(Integer(), "sqlite")

units = Table(
    "units", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False, index=True),
    # The local day the unit retired: rankings as of that day or later leave it out.
    Column("retired_on", Date),
)

tasks = Table(
    "tasks", metadata,
    Column("code", String(32), primary_key=True),
    # The lead unit (牵头单位): its 13710 matters and its evaluations of others.
    Column("unit", String(32), nullable=False, index=True),
    Column("clock_class", String(16)),
    Column("status", String(16), nullable=False),
    Column("start_date", Date),
    # The day the 13710 "closed" stage was recorded.
    Column("closed_on", Date),
    # The local day the task was given (created or imported); NULL for the tasks
    # known before it was kept.
    Column("created_on", Date),
    # The local day the task was cancelled: its targets due from then on leave
    # the ranking (those due before stay counted).
    Column("cancelled_on", Date),
    # Only for people: the way off the black list names the task.
    Column("title", Text),
)

task_cooperators = Table(
    "task_cooperators", metadata,
    Column("task", String(32), primary_key=True),
    Column("unit", String(32), primary_key=True, index=True),
)

targets = Table(
    "targets", metadata,
    Column("task", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("unit", String(32), nullable=False),
    Column("due_date", Date, nullable=False, index=True),
    Column("planned_percent", Float, nullable=False),
    # The first day the task's reported percentage reached the plan, and the first
    # day a report on the task arrived from 30 days before the due date on: kept
    # up to date on every batch, so scoring a period reads only its targets.
    Column("reached_on", Date),
    Column("reported_on", Date),
)

reports = Table(
    "reports", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("task", String(32), nullable=False, index=True),
    # The local day the platform received the report (timeliness is judged by
    # receipt, never by the time its sender gave it).
    Column("day", Date, nullable=False),
    Column("percent", Float, nullable=False),
    # The tasks service's id of the report (NULL for reports kept before it was),
    # so that the office's correction of its receipt finds it.
    Column("report_id", Integer, index=True),
)

colour_changes = Table(
    "colour_changes", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("item_kind", String(16), nullable=False),
    Column("item_key", String(64), nullable=False),
    Column("unit", String(32), nullable=False),
    Column("colour", String(16), nullable=False),
    Column("day", Date, nullable=False, index=True),
    # When the warnings service decided it: orders two changes of one day.
    Column("decided_at", DateTime, nullable=False),
    Index("ix_colour_changes_item", "item_kind", "item_key", "day"),
)

# The items yellow or red when a period began, each with its last change before
# that day, kept once the period has begun (with the last change the history held
# then): a scoring reads them, not every item's history of the years, which grows
# for as long as the office runs. A change judged as of a day before a kept start
# (a late or a backdated evaluation) is read past them, and drops them.
start_states_taken = Table(
    "start_states_taken", metadata,
    Column("start", Date, primary_key=True),
    Column("through_id", BigId, nullable=False),
)

start_states = Table(
    "start_states", metadata,
    Column("start", Date, primary_key=True),
    Column("item_kind", String(16), primary_key=True),
    Column("item_key", String(64), primary_key=True),
    Column("unit", String(32), nullable=False),
    Column("colour", String(16), nullable=False),
    Column("day", Date, nullable=False),
    Column("decided_at", DateTime, nullable=False),
)

commitments = Table(
    "commitments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("unit", String(32), nullable=False),
    Column("promised_date", Date, nullable=False, index=True),
    Column("fulfilled_on", Date),
    # Only for people: the way off the black list names the commitment.
    Column("task", String(32)),
    Column("step", Text),
)

# 复核: a unit's closing, 13710 stage or kept commitment the office sent back
# (退回), on the city's day of the send-back; each counts against the unit.
returned_steps = Table(
    "returned_steps", metadata,
    Column("verification_id", Integer, primary_key=True, autoincrement=False),
    Column("unit", String(32), nullable=False),
    Column("task", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("day", Date, nullable=False, index=True),
)

notices = Table(
    "notices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("unit", String(32), nullable=False),
    Column("issued_on", Date, nullable=False, index=True),
    Column("ack_due", Date, nullable=False),
    Column("answer_due", Date, nullable=False),
    Column("acknowledged_on", Date),
    Column("answered_on", Date),
    Column("closed_on", Date),
    # Only for people: 督办〔2026〕12号.
    Column("number", String(64)),
)

evaluations = Table(
    "evaluations", metadata,
    Column("period", String(8), primary_key=True),
    Column("lead_unit", String(32), primary_key=True),
    Column("unit", String(32), primary_key=True),
    Column("score", Float, nullable=False),
    Column("comment", Text, nullable=False),
    Column("evaluated_by", String(64), nullable=False),
    Column("evaluated_at", DateTime, nullable=False),
)

score_rules = rule_versions_table("score_rules", metadata)

# The office's decisions on the units' requests for more time
# (tasks: extension_decided), counted against the unit by the score rules.
extension_decisions = Table(
    "extension_decisions", metadata,
    Column("request_id", Integer, primary_key=True, autoincrement=False),
    Column("unit", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),  # approved, shortened, refused
    Column("decided_on", Date, nullable=False, index=True),
)

# A period's ranking once the office froze it: draft (recomputed when a late
# event touches the period), approved, then published (never recomputed).
rankings = Table(
    "rankings", metadata,
    Column("period", String(8), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("rules_version", Integer, nullable=False),
    Column("groups", JSON, nullable=False),
    Column("computed_at", DateTime, nullable=False),
    Column("stale", Boolean, nullable=False, default=False),
    # Events about the period that arrived after it was approved: recorded, and
    # counted here, but they do not change the frozen lists.
    Column("late_events", Integer, nullable=False, default=0),
    Column("drafted_by", String(64), nullable=False),
    Column("approved_by", String(64)),
    Column("approved_at", DateTime),
    Column("published_by", String(64)),
    Column("published_at", DateTime),
)

# The live standings of the current period, refreshed after events: the big
# screen reads this row instead of scoring 150 units per request.
standings = Table(
    "standings", metadata,
    Column("period", String(8), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("rules_version", Integer, nullable=False),
    Column("groups", JSON, nullable=False),
    Column("computed_at", DateTime, nullable=False),
    Column("stale", Boolean, nullable=False, default=False),
)

# Each unit's rank at the end of each day, for the movers of the weekly bulletin.
daily_ranks = Table(
    "daily_ranks", metadata,
    Column("day", Date, primary_key=True),
    Column("unit", String(32), primary_key=True),
    Column("period", String(8), nullable=False),
    Column("grp", String(32), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("name", String(100), nullable=False),
)


# The working-day calendar's years the office entered, copied from the warnings
# service's calendar_changed events: an ended period is drafted on its first
# working day after.
calendar_years = calendar_copy_table(metadata)
