"""The warnings service's tables: its own copy of what it evaluates (tasks,
targets, 13710 stages, commitments and extensions, from the tasks service's
events), the rules as versioned data, the colour state with its history, and the
supervision notices."""
from sqlalchemy import (
    JSON,
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
    UniqueConstraint,
)

from services.common.rule_versions import rule_versions_table

metadata = MetaData()

# On PostgreSQL the pages of watched_tasks and colours are kept half empty, so
# that their daily rewrites stay in place (migration 0008).
watched_tasks = Table(
    "watched_tasks", metadata,
    Column("code", String(32), primary_key=True),
    Column("lead_unit", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("percent", Float, nullable=False),
    Column("last_reported_at", DateTime),
    Column("clock_class", String(16)),
    # Local days (LUOSHI_TIMEZONE): the rules count days where the city lives.
    Column("last_reported_on", Date),
    Column("last_progress_on", Date),
    # How many reports of this task were applied: each report counts once
    # however often its event is delivered, which is what operators check.
    Column("reports_applied", Integer, nullable=False, server_default="0"),
    # What the last evaluation found, whatever its colours, still holds as of
    # holds_on under rule version holds_rules for any percentage in
    # [holds_from, holds_below) (logic.unchanged_between): a report within it is
    # applied without judging the task again. Most reports in a city are such.
    Column("holds_on", Date),
    Column("holds_rules", Integer),
    Column("holds_from", Float),
    Column("holds_below", Float),
    # The local day the task was given (created or imported): a new task waits for
    # its first report from then (Rules.first_report_grace). NULL for the tasks
    # known before it was kept.
    Column("created_on", Date),
    # Why the last evaluation could not judge the task (a date no calendar can
    # count from), for the office to fix; NULL once it is judged.
    Column("unjudged", Text),
    # The batch (批次) the office gave the task in, for the one screen's filter.
    Column("batch", String(100), index=True),
    # The local day the task was cancelled: it leaves the counts from then.
    Column("cancelled_on", Date),
    # The local day the task was closed or explained: it leaves the one screen's
    # colours for its count of the year's finished tasks from then.
    Column("finished_on", Date),
    # The local day the office last approved a new plan: the task starts fair
    # again from then (Rules.first_report_grace).
    Column("replanned_on", Date),
    # Bumped whenever the task's targets change (a re-plan, a new lead unit, a
    # merger), so that every replica reads them again (KnownTargets).
    Column("targets_version", Integer, nullable=False, server_default="1"),
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
    # A unit's warnings: by kind, not colour, so that a colour change, which
    # rewrites an entry in every index holding the colour, leaves this one alone.
    Index("ix_colours_unit_kind", "unit", "item_kind"),
    # Covers the one screen's count of tasks by colour and unit (get_dashboard)
    # and the choice of a page of one kind and colour (list_warnings), both read
    # from the index alone: ten times faster at a city's 155,000 colours. One
    # index for both, since each colour change rewrites an entry in every index
    # holding the colour.
    Index("ix_colours_kind_colour_unit", "item_kind", "colour", "unit", "since", "item_key"),
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

watched_clock_stages = Table(
    "watched_clock_stages", metadata,
    Column("task_code", String(32), primary_key=True),
    Column("stage", String(16), primary_key=True),
    Column("recorded_on", Date, nullable=False),
)

watched_commitments = Table(
    "watched_commitments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # the tasks service's id
    Column("task_code", String(32), nullable=False, index=True),
    Column("unit", String(32), nullable=False),
    Column("promised_date", Date, nullable=False),
    Column("status", String(16), nullable=False),
)

# Every approved extension, in the order approved: the rules count them.
watched_extensions = Table(
    "watched_extensions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), nullable=False, index=True),
    Column("seq", Integer),  # the target's, or NULL for the task's own due date
    Column("new_due_date", Date, nullable=False),
)

# The rules as data: the highest version is in force. The rows are the audit of
# who changed what, and when.
rule_sets = rule_versions_table("rule_sets", metadata)

notices = Table(
    "notices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("task_code", String(32), nullable=False, index=True),
    Column("unit", String(32), nullable=False),
    Column("item_kind", String(16), nullable=False),
    Column("item_key", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("issued_on", Date, nullable=False),  # the local day its deadlines count from
    Column("issued_at", DateTime, nullable=False),
    Column("issued_by", String(64), nullable=False),  # "auto" or the user
    Column("ack_due", Date, nullable=False),
    Column("answer_due", Date, nullable=False),
    Column("acknowledged_at", DateTime),
    Column("acknowledged_by", String(64)),
    Column("answer", Text),
    Column("answered_at", DateTime),
    Column("answered_by", String(64)),
    Column("status", String(16), nullable=False),
    Column("colour", String(8), nullable=False),
    Column("closed_at", DateTime),
    Column("closed_by", String(64)),
    Column("close_reason", Text),
    # Set while a deadline was counted through a year whose holidays are not
    # entered: 「（2027年放假安排未录入，暂按周一至周五计）」.
    Column("calendar_note", Text),
    UniqueConstraint("year", "number", name="uq_notices_year_number"),
    Index("ix_notices_unit_status", "unit", "status"),
    Index("ix_notices_item", "item_kind", "item_key"),
)

# The last number given to a notice in each year. Taking the next one is an UPDATE
# of this row, which concurrent replicas queue behind instead of both reading the
# same maximum.
notice_sequences = Table(
    "notice_sequences", metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

# The working-day calendar the office keeps: one row a year it entered, the
# version in force; every version stays in calendar_versions, with who and why.
# The package's years are not stored: every service reads them from the package.
calendar_years = Table(
    "calendar_years", metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("holidays", JSON, nullable=False),   # [{"date", "name"}]
    Column("workdays", JSON, nullable=False),   # [date]
    Column("note", Text, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", DateTime, nullable=False),
)

calendar_versions = Table(
    "calendar_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("holidays", JSON, nullable=False),
    Column("workdays", JSON, nullable=False),
    Column("note", Text, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", DateTime, nullable=False),
    # What entering it changed: {"days": [...], "colours_changed", "deadlines_moved"}.
    Column("effect", JSON),
    UniqueConstraint("year", "version", name="uq_calendar_versions_year_version"),
)

# A notice's deadline moved by a change of the calendar, with both dates.
notice_deadline_moves = Table(
    "notice_deadline_moves", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", Integer, nullable=False, index=True),
    Column("deadline", String(16), nullable=False),  # ack_due or answer_due
    Column("before", Date, nullable=False),
    Column("after", Date, nullable=False),
    Column("calendar_year", Integer, nullable=False),
    Column("calendar_version", Integer, nullable=False),
    Column("moved_at", DateTime, nullable=False),
)

# 三问 accountability records (问责、问效、问计): opened by the office on a unit on
# the black list, an item red too long, or a notice overdue; the measures taken
# and the unit's rectification plan (整改方案), whose deadline colours the record.
accountability_records = Table(
    "accountability_records", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit", String(32), nullable=False, index=True),
    Column("ground", String(16), nullable=False),  # black_list, red_days, notice_overdue
    Column("ground_ref", String(64), nullable=False),  # period, task or notice id
    Column("ground_detail", Text, nullable=False),  # the ground in words
    Column("task_code", String(32)),
    Column("questions", JSON, nullable=False),  # [accountability, results, plans]
    Column("summary", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open, rectified, closed
    Column("opened_on", Date, nullable=False),
    Column("opened_by", String(64), nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("plan", Text),
    Column("plan_deadline", Date),
    Column("plan_by", String(64)),
    Column("plan_at", DateTime),
    Column("rectified_at", DateTime),
    Column("colour", String(8), nullable=False),
    Column("colour_since", Date, nullable=False),
    Column("closed_at", DateTime),
    Column("closed_by", String(64)),
    Column("close_note", Text),
)

accountability_measures = Table(
    "accountability_measures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", Integer, nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # interview, criticism, deadline, referral
    Column("taken_on", Date, nullable=False),
    Column("result", Text, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

# The black lists of the published rankings, copied from ranking_published.
black_listed_units = Table(
    "black_listed_units", metadata,
    Column("period", String(16), primary_key=True),
    Column("unit", String(32), primary_key=True),
    Column("label", String(64), nullable=False),
    Column("reasons", JSON, nullable=False),
)

# Forecast colour (services/warnings/forecast.py) -------------------------------------

# Each task's reporting history as the forecast reads it: the percentage at the
# end of each local day a report was received. The forecast reads the last few.
progress_points = Table(
    "progress_points", metadata,
    Column("task_code", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("percent", Float, nullable=False),
)

# The latest forecast of each task, one row a task, rewritten set-based after each
# evaluation that touched it; no row: no forecast (too few reports, or done).
forecasts = Table(
    "forecasts", metadata,
    Column("task_code", String(32), primary_key=True),
    Column("unit", String(32), nullable=False, index=True),
    Column("as_of", Date, nullable=False),
    Column("colour", String(8), nullable=False),  # at the due date it speaks of
    Column("due", Date, nullable=False),
    Column("planned", Float, nullable=False),
    Column("projected", Float, nullable=False),
    Column("low", Float, nullable=False),
    Column("high", Float, nullable=False),
    Column("red_on", Date),
    Column("pace", Float, nullable=False),     # points per working day
    Column("spread", Float, nullable=False),
    Column("reports", Integer, nullable=False),
    Column("soon_red", Boolean, nullable=False),  # red within forecast_red_days
    Column("soon_red_since", Date),
    Column("words", Text, nullable=False),
    Column("dates", JSON, nullable=False),  # every coming due date's projection
    Column("rule_version", Integer, nullable=False),
    Index("ix_forecasts_soon_red_unit", "soon_red", "unit"),
)

# Every forecast red (a task turning soon_red), and what it came to on its day:
# outcome "red" (the task was red), "not_red", or NULL while the day is to come.
forecast_checks = Table(
    "forecast_checks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_code", String(32), nullable=False, index=True),
    Column("unit", String(32), nullable=False),
    Column("forecast_on", Date, nullable=False),
    Column("red_on", Date, nullable=False),
    Column("outcome", String(16)),  # red, not_red, cancelled
    Column("judged_on", Date),
    Index("ix_forecast_checks_outcome_red_on", "outcome", "red_on"),
)
