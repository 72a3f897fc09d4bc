"""Shapes of what the v1 API accepts (bodies, paging) and of the gateway's own answers.

Only shape is checked here (types, ranges, lengths); the services judge the
business rules. Write bodies forbid unknown fields, so a client cannot set
what the API does not offer.
"""
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .audit_actions import describe
from .rpc import MAX_PAGE
from .text import check_storable

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                        pattern=r"^\S+$")]


def _text(max_length: int):
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=max_length)]


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254,
                                         pattern=r"^[^@\s]+@[^@\s]+$")]
Percent = Annotated[float, Field(ge=0, le=100)]
# The years a plan may name: a date outside them is a typo no calendar counts from.
PlanDate = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
# The services speak UTC (docs/contracts.md); an offset is required so that no
# client's local time is taken for UTC.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(lambda at: at.astimezone(dt.UTC))]

UnitKind = Literal["county", "department", "office"]
Role = Literal["admin", "leader", "operator", "evaluator"]
Colour = Literal["green", "yellow", "red"]
TaskSource = Literal["plan", "assignment", "instruction"]
TaskStatus = Literal["active", "completed", "closed", "explained", "cancelled"]
ClockClass = Literal["important", "general", "complex"]
ClockStage = Literal["deployed", "first_feedback", "closed"]
# The notify service's vocabulary (docs/contracts.md, notify).
NotifyChannel = Literal["inbox", "sms", "email", "webhook", "dingtalk", "wecom"]
# The group robots a unit's work group may have (钉钉, 企业微信).
RobotChannel = Literal["dingtalk", "wecom"]
NotificationStatus = Literal["pending", "sending", "sent", "delivered", "failed", "dropped"]
# What routing rules can name; a digest is made of routed messages, never routed itself.
RoutedEventType = Literal["colour_changed", "notice_issued", "notice_overdue", "escalation",
                          "bulletin_published", "ranking_published", "task_message_posted",
                          # Reminders before deadlines, one kind each.
                          "reminder_target", "reminder_report", "reminder_notice_ack",
                          "reminder_notice_answer", "reminder_stage",
                          # A task forecast red soon (the warnings service's early warning).
                          "forecast_turned_red"]
NotifyEventType = RoutedEventType | Literal["digest"]
NotifyRole = Literal["operator", "head", "office", "leaders", "webhook"]
EscalationStatus = Literal["open", "stopped", "top"]

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
# Bounded so that no database is asked for a row number it cannot hold.
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]

# Progress items a single request may carry (DESIGN.md: a county posts up to 1,000).
MAX_PROGRESS_ITEMS = 1000


class WriteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Every field of every body, nested lists and dicts included: text no database
    # can store is a 422 naming its field, never a failed transaction downstream.
    @field_validator("*", mode="before")
    @classmethod
    def storable_text(cls, value):
        return check_storable(value)

    def to_rpc(self) -> dict:
        """The body as the JSON the services take, unset optional fields left out."""
        return self.model_dump(mode="json", exclude_none=True)


class Contact(WriteBody):
    name: _text(100)
    phone: _text(32) | None = None
    email: Email | None = None


class UnitIn(WriteBody):
    code: Code
    name: _text(200)
    kind: UnitKind
    parent: Code | None = None
    head: Contact | None = None
    operator: Contact | None = None


class TargetIn(WriteBody):
    due_date: PlanDate
    planned_percent: Percent
    description: _text(1000) | None = None
    unit: Code | None = None


class TaskIn(WriteBody):
    code: Code
    title: _text(500)
    lead_unit: Code
    start_date: PlanDate
    due_date: PlanDate
    category: _text(64) | None = None
    source: TaskSource | None = None
    clock_class: ClockClass | None = None
    cooperating_units: list[Code] = Field(default_factory=list, max_length=500)
    responsible_person: _text(100) | None = None
    batch: _text(100) | None = None
    targets: list[TargetIn] = Field(max_length=1000)


class ExplainIn(WriteBody):
    reason: _text(2000)


class ReasonIn(WriteBody):
    reason: _text(2000)


class TaskPatchIn(WriteBody):
    """An edit of a task's descriptive fields, with its reason. A field left out
    keeps its value; null clears the fields that may be empty (category,
    clock_class, responsible_person, batch)."""

    reason: _text(2000)
    # Not nullable, yet None when left out: only the fields sent are changed.
    title: _text(500) = None
    category: _text(64) | None = None
    source: TaskSource = None
    clock_class: ClockClass | None = None
    responsible_person: _text(100) | None = None
    start_date: PlanDate = None
    due_date: PlanDate = None
    cooperating_units: list[Code] = Field(default=None, max_length=500)
    lead_unit: Code = None
    batch: _text(100) | None = None

    def changes(self) -> dict:
        """The fields sent, as the tasks service takes them (without the reason)."""
        sent = self.model_dump(mode="json", exclude_unset=True)
        sent.pop("reason", None)
        return sent


class ReplanIn(WriteBody):
    targets: list[TargetIn] = Field(min_length=1, max_length=120)
    reason: _text(2000)


class UnitPatchIn(WriteBody):
    """An edit of a unit: its name, head or operator (null clears a contact)."""

    name: _text(200) = None
    head: Contact | None = None
    operator: Contact | None = None
    reason: _text(2000) | None = None

    def changes(self) -> dict:
        return self.model_dump(mode="json", exclude_unset=True)


class MergeIn(WriteBody):
    into: Code
    reason: _text(2000)


class NoticeIn(WriteBody):
    task: Code
    reason: _text(2000)


class EvaluationIn(WriteBody):
    unit: Code
    score: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    comment: _text(2000)
    # Only an admin entering an evaluation for a lead unit names it; an evaluator
    # speaks for its own unit.
    lead_unit: Code | None = None


class NoticeAnswerIn(WriteBody):
    answer: _text(5000)


class NoticeCloseIn(WriteBody):
    reason: _text(2000) | None = None


class ExtensionIn(WriteBody):
    new_due_date: PlanDate
    seq: Annotated[int, Field(ge=1, le=10_000)] | None = None
    reason: _text(2000)


class ExtensionRequestIn(WriteBody):
    """A lead unit's request for a later due date of the task, or of a target."""

    asked_due_date: PlanDate
    seq: Annotated[int, Field(ge=1, le=10_000)] | None = None
    reason: _text(2000)


class ExtensionDecisionIn(WriteBody):
    """The office's decision: approved (to the asked date), shortened (to
    `granted_due_date`, between the old and the asked date) or refused."""

    outcome: Literal["approved", "shortened", "refused"]
    granted_due_date: PlanDate | None = None
    reason: _text(2000)


class EvidenceRuleFields(WriteBody):
    at_full: bool | None = None
    at_target_met: bool | None = None


class EvidenceRulesIn(WriteBody):
    """The evidence rules to change (those left out keep their values), shaped as
    the warning and score rules are: {rules: {...}, note}."""

    rules: EvidenceRuleFields
    note: _text(500) | None = None


class RulesIn(WriteBody):
    # The thresholds are checked by the warnings service, which owns them.
    rules: dict[str, Any]
    note: _text(500) | None = None


class CalendarHolidayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    name: _text(40)


class CalendarIn(WriteBody):
    """A year of the working-day calendar; what GET answers may be sent back as it
    is, with a note: the fields the office does not set are ignored."""

    model_config = ConfigDict(extra="ignore")
    year: int | None = None
    holidays: list[CalendarHolidayIn] = Field(max_length=366)
    workdays: list[dt.date] = Field(max_length=366)
    note: _text(500)


class CalendarNoticeIn(WriteBody):
    text: _text(20_000)


class MarkReadIn(WriteBody):
    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(min_length=1,
                                                                  max_length=MAX_PAGE)


class RoutingRuleIn(WriteBody):
    event_type: RoutedEventType
    role: NotifyRole
    channels: list[NotifyChannel] = Field(min_length=1, max_length=6)
    # A notice_overdue rule may also name its stage ("overdue-ack"), so any short word.
    colour: Code | None = None
    unit: Code | None = None
    # Left out: the service's default window; null: no quiet hours at all.
    quiet_hours: Annotated[str, StringConstraints(
        strip_whitespace=True, pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")] | None = None
    enabled: bool = True
    # A reminder rule's working days before the deadline (left out: its kind's
    # default); the service refuses it on any other rule.
    days_before: int | None = Field(None, ge=0, le=30)

    def to_rpc(self) -> dict:
        # Unset rather than None is left out: an explicit null quiet_hours means
        # "none", while a missing one takes the service's default window.
        return self.model_dump(mode="json", exclude_unset=True)


class RoutingRulesIn(WriteBody):
    rules: list[RoutingRuleIn] = Field(max_length=500)


class TemplateIn(WriteBody):
    # Not stripped: a template's whitespace is part of the message it renders.
    # The subject may be empty (SMS has none); the service renders both in its sandbox.
    subject: Annotated[str, StringConstraints(max_length=200)] = ""
    body: Annotated[str, StringConstraints(min_length=1, max_length=20000)]


class RobotIn(WriteBody):
    """A work group's robot: its webhook address as the chat app shows it and,
    for a DingTalk robot with 加签, its secret. The service checks both (the
    vendor's host, the token); neither is ever answered back or audited."""

    webhook_url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=1000)]
    secret: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=200)] | None = None


class BulletinIn(WriteBody):
    # A Monday; the service says so when it is not. Left out: the last full week.
    week_start: dt.date | None = None


class ClockIn(WriteBody):
    stage: ClockStage
    recorded_at: UtcDatetime | None = None


class CommitmentIn(WriteBody):
    task: Code
    unit: Code
    step: _text(500)
    promised_date: PlanDate
    result: _text(2000)


class ProgressItem(WriteBody):
    task: Code
    unit: Code
    percent: Percent
    note: _text(2000) | None = None
    reported_at: UtcDatetime | None = None
    # The office only: when a report that reached it by other means was received.
    received_at: UtcDatetime | None = None
    correction: bool | None = None
    # Files uploaded first (POST /tasks/{code}/evidence answers their ids) that
    # support this report; the evidence rules may require one.
    evidence: Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]],
                        Field(max_length=10)] | None = None
    # The seq of the target the report says is met.
    target_met: Annotated[int, Field(ge=1, le=10_000)] | None = None


class ReceiptCorrectionIn(WriteBody):
    """The office's correction of when a report was received."""

    received_at: UtcDatetime
    reason: _text(2000)


Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]


# A person's name as people write it (张三, 欧阳娜娜, Anna Müller).
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=32)]
# A mobile or desk phone: digits, with an optional + and dashes (0795-3201234).
Phone = Annotated[str, StringConstraints(strip_whitespace=True,
                                         pattern=r"^\+?[0-9][0-9-]{4,18}[0-9]$")]


class UserIn(WriteBody):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\S+$")]
    password: Password
    role: Role
    unit: Code | None = None
    name: PersonName | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _unit_roles_have_a_unit(self):
        if self.role in ("operator", "evaluator") and self.unit is None:
            # A code for machines beside the words (errors.py gives people theirs).
            raise PydanticCustomError("unit_needed", "an {role} needs a unit",
                                      {"role": self.role})
        return self


class PasswordChangeIn(WriteBody):
    current: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    new: Password

    @model_validator(mode="after")
    def _a_new_password(self):
        if self.new == self.current:
            raise PydanticCustomError("password_unchanged",
                                      "the new password must differ from the current one")
        return self


def _utc(at: dt.datetime | None) -> dt.datetime | None:
    """A naive UTC column value as an aware moment."""
    return at.replace(tzinfo=dt.UTC) if at else None


UserStatus = Literal["active", "disabled", "password_reset"]
ApiKeyAccess = Literal["read", "write"]


class UserPatchIn(WriteBody):
    """An admin's change of a user; fields left out stay as they are."""

    disabled: bool | None = None
    role: Role | None = None
    unit: Code | None = None
    # null clears them.
    name: PersonName | None = None
    phone: Phone | None = None


class PasswordResetIn(WriteBody):
    """The temporary password to set; left out, the gateway draws one."""

    password: Password | None = None


class PasswordResetOut(BaseModel):
    username: str
    password: str = Field(description="the temporary password, shown once")
    must_change_password: Literal[True] = True


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    unit: str | None
    status: UserStatus = "active"
    disabled_at: AwareDatetime | None = None
    must_change_password: bool = False
    created_at: AwareDatetime | None = None
    last_sign_in_at: AwareDatetime | None = None
    last_sign_in_from: str | None = None
    name: str | None = None
    phone: str | None = None

    @classmethod
    def of(cls, row) -> "UserOut":
        if row.disabled_at is not None:
            state = "disabled"
        elif row.must_change_password:
            state = "password_reset"
        else:
            state = "active"
        return cls(id=row.id, username=row.username, role=row.role, unit=row.unit,
                   status=state, disabled_at=_utc(row.disabled_at),
                   must_change_password=bool(row.must_change_password),
                   created_at=_utc(row.created_at), last_sign_in_at=_utc(row.last_sign_in_at),
                   last_sign_in_from=row.last_sign_in_from, name=row.name, phone=row.phone)


class LeaderOut(BaseModel):
    """A leader as a form offers it: the login a 批示 names, the name people read
    (the login for an account the office has not named); nothing else."""

    username: str
    name: str


class LeadersOut(BaseModel):
    items: list[LeaderOut]
    total: int


class ApiKeyIn(WriteBody):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\S+$")]
    units: list[Code] = Field(min_length=1, max_length=1000)
    # Null: the key does not expire. A read key may call every GET its units
    # may, and no write.
    expires_at: UtcDatetime | None = None
    access: ApiKeyAccess = "write"


class ApiKeyOut(BaseModel):
    id: int
    name: str
    units: list[str]
    key: str = Field(description="shown once; only its digest is kept")
    expires_at: AwareDatetime | None = None
    access: ApiKeyAccess = "write"


class ApiKeySummary(BaseModel):
    """An API key as listed: what it may do and when it was used, not its secret."""

    id: int
    name: str
    units: list[str]
    created_at: AwareDatetime
    rotated_at: AwareDatetime | None
    revoked_at: AwareDatetime | None
    last_used_at: AwareDatetime | None
    last_used_from: str | None
    expires_at: AwareDatetime | None = None
    access: ApiKeyAccess = "write"

    @classmethod
    def of(cls, row) -> "ApiKeySummary":
        return cls(id=row.id, name=row.name, units=row.units, created_at=_utc(row.created_at),
                   rotated_at=_utc(row.rotated_at), revoked_at=_utc(row.revoked_at),
                   last_used_at=_utc(row.last_used_at), last_used_from=row.last_used_from,
                   expires_at=_utc(row.expires_at), access=row.access or "write")


class AuditEntryOut(BaseModel):
    id: int
    at: AwareDatetime
    user: str | None
    role: str | None
    api_key: str | None
    caller_units: list[str] | None
    units: list[str]
    method: str
    path: str
    route: str | None
    target: dict[str, str] | None
    status: int
    address: str | None
    request: Any
    response: Any
    # What the request did, in Chinese ("报送了 T2026-0001 的进度 60%").
    action: str

    @classmethod
    def of(cls, row) -> "AuditEntryOut":
        return cls(**{name: getattr(row, name) for name in cls.model_fields
                      if name not in ("at", "action")},
                   at=row.at.replace(tzinfo=dt.UTC),
                   action=describe(row.method, row.route, row.target, row.request))


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    # Exact up to 10,000 matching rows; beyond, 10,000 with total_exact false.
    total: int
    total_exact: bool = True
    # The before_id of the next (older) page; null on the last page.
    next_before_id: int | None = None


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: AwareDatetime
    # True after an admin's reset: the token reaches only POST /auth/password
    # (and /auth/me, /auth/logout) until a new password is chosen.
    must_change_password: bool = False


class CallerOut(BaseModel):
    user: str
    role: str
    units: list[str] | None
    api_key: str | None
    must_change_password: bool = False
    read_only: bool = False
    name: str | None = None
