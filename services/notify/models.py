"""The notify service's tables: the units' contacts, every notification (the inbox,
the delivery queue and its log in one table), routing rules, templates, the
escalation ladder, de-duplication marks and the weekly bulletins with the facts
they are drawn from."""
import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from services.common.calendar_copy import calendar_copy_table
from services.common.retention import Kept

metadata = MetaData()

contacts = Table(
    "contacts", metadata,
    Column("unit", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("head", JSON),  # {name, phone, email} of the unit's head (一把手)
    Column("operator", JSON),
    Column("kind", String(16)),  # county, department, office: the office hears escalations
)

# Each unit's work-group robots (钉钉 / 企业微信), set by the office. The address is
# the robot's key and the secret signs for it: neither leaves the service.
robots = Table(
    "robots", metadata,
    Column("unit", String(32), primary_key=True),
    Column("channel", String(16), primary_key=True),  # dingtalk, wecom
    Column("url", Text, nullable=False),
    Column("secret", Text),  # a DingTalk robot's 加签 secret; None: unsigned
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

notifications = Table(
    "notifications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # inbox, sms, email, webhook, dingtalk, wecom
    Column("channel", String(16), nullable=False),
    # A phone, an e-mail address, a URL, a unit code (its inbox), a user name, or a
    # robot's group: unit:<code>, or office for the office-wide robot.
    Column("recipient", String(200), nullable=False),
    Column("unit", String(32), nullable=False, index=True),
    Column("task", String(32), index=True),
    Column("colour", String(16)),
    Column("as_of", Date),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    # pending (queued or held), sending (claimed by a replica), sent, delivered
    # (inbox), failed (permanently, see provider_answer), dropped (a held colour
    # warning whose item changed colour first, see dropped_reason)
    Column("status", String(16), nullable=False),
    Column("event_id", String(32), nullable=False),  # the event that caused it
    Column("created_at", DateTime, nullable=False),
    Column("event_type", String(32)),  # colour_changed, notice_issued, escalation, ...
    Column("item", String(64), index=True),  # task:T1, notice:5, bulletin:2026-11-02
    Column("role", String(16)),  # operator, head, office, leaders, webhook
    Column("level", Integer),  # escalation level of an escalation message
    Column("items", JSON),  # a digest: the subjects it stands for
    # A digest: the dedup keys (item|colour|channel|recipient) of the messages it
    # stands for, in the order of `items`; a held one loses those whose item recovers.
    Column("members", JSON),
    Column("bulletin_id", Integer),  # an e-mail carrying that bulletin's PDF
    Column("quiet_hours", String(16)),  # "22:00-08:00": SMS are not sent then
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime, index=True),
    Column("claimed_by", String(32)),
    Column("claimed_until", DateTime),
    Column("sent_at", DateTime),
    Column("provider_answer", Text),
    # Why a held colour warning was dropped unsent: recovered, superseded.
    Column("dropped_reason", String(16)),
    Column("read_at", DateTime),
    Column("read_by", String(64)),
)

# One row per (item, colour, channel, recipient) key heard recently, digested or
# not: the de-duplication window is measured from last_at.
dedup_marks = Table(
    "dedup_marks", metadata,
    Column("key", String(300), primary_key=True),
    # Indexed: the service forgets marks by age (DEDUP_MARKS).
    Column("last_at", DateTime, nullable=False, index=True),
)
# A mark is read only to ask whether its key was heard within the window
# (repository.recent_keys), at most 30 days (settings.py), so a mark twice that
# old is never read again. Kept for ever, one would stay for every item, colour,
# channel and recipient the office ever notified.
DEDUP_MARKS = Kept(dedup_marks.c.last_at, dedup_marks.c.key, dt.timedelta(days=60))

routing_rules = Table(
    "routing_rules", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("position", Integer, nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("colour", String(16)),  # None: any colour
    Column("unit", String(32)),  # None: any unit
    Column("role", String(16), nullable=False),
    Column("channels", JSON, nullable=False),
    Column("quiet_hours", String(16)),  # for SMS; None: none
    Column("enabled", Boolean, nullable=False, server_default="1"),
    # A reminder rule's N: working days before the deadline it goes out.
    Column("days_before", Integer),
)

templates = Table(
    "templates", metadata,
    Column("event_type", String(32), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

escalations = Table(
    "escalations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item", String(64), nullable=False, unique=True),  # task:T1, notice:5
    Column("unit", String(32), nullable=False),
    Column("task", String(32)),
    Column("label", String(200), nullable=False),  # what people read: "任务 T1"
    Column("level", Integer, nullable=False),  # 0 operator, 1 head, 2 office
    Column("next_at", DateTime, index=True),  # the next climb, UTC; None when done
    Column("status", String(16), nullable=False),  # open, stopped, top
    Column("stopped_reason", String(200)),  # a code: see logic.ACKNOWLEDGED
    Column("stopped_by", String(64)),  # the user who acknowledged, when one did
    Column("history", JSON, nullable=False),  # [{level, role, at, what}]
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# What the weekly bulletin reports, gathered from events as they pass.
bulletin_facts = Table(
    "bulletin_facts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # red, overdue, closed, explained, reminder, ...
    Column("kind", String(16), nullable=False),
    Column("key", String(64), nullable=False),
    Column("task", String(32)),
    Column("unit", String(32)),
    Column("detail", Text),
    Column("day", Date, nullable=False, index=True),
    UniqueConstraint("kind", "key", "day", name="uq_bulletin_facts_once"),
)

bulletins = Table(
    "bulletins", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("week_start", Date, nullable=False, unique=True),
    Column("generated_at", DateTime, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("html", Text, nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Column("docx", LargeBinary),
    # draft until the office signs it (签发); then numbered within the year of issue.
    Column("status", String(8), nullable=False, server_default="issued"),
    Column("year", Integer),
    Column("number", Integer),
    Column("issued_at", DateTime),
    Column("issued_by", String(64)),
    UniqueConstraint("year", "number", name="uq_bulletins_year_number"),
)


# The working-day calendar's years the office entered, copied from the warnings
# service's calendar_changed events; the package's years come from the package.
calendar_years = calendar_copy_table(metadata)


# Reminders before deadlines (reminders.py). What notify knows of the tasks,
# from the tasks service's events: enough to tell their targets, monthly reports
# and 13710 stages apart from those already done.
reminder_tasks = Table(
    "reminder_tasks", metadata,
    Column("task", String(32), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("lead_unit", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("start_date", Date),
    Column("clock_class", String(16)),
    Column("percent", Float, nullable=False, server_default="0"),  # the last reported
    Column("last_received_on", Date),  # the city's day the last report was received
    Column("stages", JSON, nullable=False),  # the 13710 stages recorded
)

# Targets and notices: one row per deadline, with whether its item is done.
reminder_deadlines = Table(
    "reminder_deadlines", metadata,
    Column("kind", String(32), primary_key=True),  # reminder_target, reminder_notice_ack...
    Column("item", String(96), primary_key=True),  # target:T1:3, notice:5
    Column("due", Date, nullable=False, index=True),
    Column("unit", String(32), nullable=False),
    Column("task", String(32), index=True),
    Column("planned_percent", Float),  # a target's: met once the task reports it
    Column("done", Boolean, nullable=False, server_default="0"),
    Column("context", JSON, nullable=False),
)

# Every reminder sent: its key (kind|item|deadline) is claimed once, so a
# deadline is reminded of once however many sweeps and replicas run.
reminders_sent = Table(
    "reminders_sent", metadata,
    Column("key", String(200), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("item", String(96), nullable=False),
    Column("due", Date, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("sent_at", DateTime, nullable=False),
)

# The warnings service's rules as they last stood (rules_changed): the
# reporting day and the 13710 clock's days.
office_rules = Table(
    "office_rules", metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("rules", JSON, nullable=False),
)
