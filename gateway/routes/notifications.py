"""Notifications: the delivery log, each caller's inbox, acknowledging (which
stops an item's escalation ladder), the ladders themselves, the routing rules,
templates and units' group robots the office sets, and the weekly bulletin."""
import base64
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status

from ..auth import CITY_WIDE_ROLES, Admin, Caller, CurrentCaller, Writer
from ..db import DbSession
from ..downloads import attachment
from ..messages import refusal
from ..people import with_names
from ..rpc import Rpc, present
from ..schemas import (
    BulletinIn,
    Code,
    EscalationStatus,
    Limit,
    MarkReadIn,
    NotificationStatus,
    NotifyChannel,
    NotifyEventType,
    Offset,
    RobotChannel,
    RobotIn,
    RoutingRulesIn,
    TemplateIn,
)
from ..scope import Scope
from .version import PREFIX

router = APIRouter(prefix=PREFIX, tags=["notifications"])
# Database ids are signed 64-bit integers.
NotificationId = Annotated[int, Path(ge=1, le=2**63 - 1)]
BulletinId = Annotated[int, Path(ge=1, le=2**63 - 1)]
PDF_MEDIA_TYPE = "application/pdf"
HTML_MEDIA_TYPE = "text/html; charset=utf-8"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def require_city_wide(caller: CurrentCaller) -> Caller:
    """Escalation ladders span every unit and the notify service does not scope
    them by caller, so only the roles that see every unit read them. The
    weekly bulletin is the leaders' (DESIGN.md), drawn up by the office: it
    names every unit's red items and the ranking's movers before publication."""
    if caller.role not in CITY_WIDE_ROLES:
        raise refusal(status.HTTP_403_FORBIDDEN, "city_wide_only")
    return caller


CityWide = Annotated[Caller, Depends(require_city_wide)]


@router.get("/notifications")
def list_notifications(scope: Scope, rpc: Rpc, task: Code | None = None,
                       unit: Code | None = None, channel: NotifyChannel | None = None,
                       status: NotificationStatus | None = None,
                       event_type: NotifyEventType | None = None,
                       limit: Limit = 100, offset: Offset = 0):
    """Notifications sent or queued; the notify service does not scope by caller,
    so a caller limited to several units names one with `unit`."""
    return rpc.notify.list_notifications(
        limit=limit, offset=offset,
        **present(task=task, unit=scope.unit_filter(unit), channel=channel, status=status,
                  event_type=event_type))


@router.get("/inbox")
def list_inbox(scope: Scope, rpc: Rpc, unit: Code | None = None, unread: bool | None = None,
               limit: Limit = 100, offset: Offset = 0):
    """The caller's inbox: its unit's messages and, for a person, those addressed
    to them by name (a leader's bulletin). A caller limited to several units
    names one with `unit`; a city-wide caller sees a unit's only when it names one."""
    caller = scope.caller
    # An API key is no one's name: messages to a user are for people signed in.
    user = caller.user if caller.api_key is None else None
    return rpc.notify.list_inbox(
        limit=limit, offset=offset,
        **present(unit=scope.unit_filter(unit), user=user, unread=unread))


@router.post("/inbox/read")
def mark_read(caller: Writer, body: MarkReadIn, rpc: Rpc):
    """Mark inbox messages read; the service refuses a message not addressed to
    the caller's unit or name. Leaders write nothing: a message has one read
    flag, and a leader's click would hide it from the unit it is meant for."""
    return rpc.notify.mark_read(ids=body.ids, caller=caller.as_rpc())


@router.post("/notifications/{notification_id}/ack")
def acknowledge(caller: Writer, notification_id: NotificationId, rpc: Rpc):
    """The addressee acts on a notification: it is read and its item's escalation
    ladder stops. The gateway cannot see whose a notification is; the service
    refuses one not addressed to the caller's unit or name."""
    return rpc.notify.acknowledge(notification_id=notification_id, caller=caller.as_rpc())


@router.get("/escalations")
def list_escalations(caller: CityWide, rpc: Rpc, db: DbSession,
                     status: EscalationStatus | None = None,
                     unit: Code | None = None,
                     item: Annotated[str | None, Query(max_length=200)] = None,
                     limit: Limit = 100, offset: Offset = 0):
    """Escalation ladders, newest first, each with every step it climbed;
    `item` is what it is about (`task:T1`, `notice:5`); who stopped one by
    acknowledging it is named (`stopped_by_name`)."""
    page = rpc.notify.list_escalations(
        limit=limit, offset=offset, **present(status=status, unit=unit, item=item))
    with_names(db, page["items"], "stopped_by")
    return page


@router.get("/routing-rules")
def list_routing_rules(caller: Admin, rpc: Rpc):
    """Who hears what on which channels, in order (the defaults until set)."""
    return rpc.notify.list_routing_rules()


@router.put("/routing-rules")
def set_routing_rules(caller: Admin, body: RoutingRulesIn, rpc: Rpc):
    """Replace every routing rule at once, in the order given."""
    return rpc.notify.set_routing_rules(rules=[rule.to_rpc() for rule in body.rules],
                                        caller=caller.as_rpc())


@router.get("/robots")
def list_robots(caller: Admin, rpc: Rpc, db: DbSession, unit: Code | None = None):
    """The units' work-group robots (钉钉, 企业微信) and the office-wide ones:
    addresses with their token masked, `signed` for a DingTalk secret, who set
    each by name (`updated_by_name`)."""
    robots = rpc.notify.list_unit_robots(**present(unit=unit))
    with_names(db, robots["items"], "updated_by")
    return robots


@router.put("/robots/{unit}/{channel}")
def set_robot(caller: Admin, unit: Code, channel: RobotChannel, body: RobotIn, rpc: Rpc):
    """Give a unit's work group its robot: the routing rules naming the channel
    reach it from the next message on."""
    return rpc.notify.set_unit_robot(unit=unit, channel=channel, url=body.webhook_url,
                                     caller=caller.as_rpc(),
                                     **present(secret=body.secret))


@router.delete("/robots/{unit}/{channel}")
def remove_robot(caller: Admin, unit: Code, channel: RobotChannel, rpc: Rpc):
    """Take a unit's robot away; its queued messages then fail, saying so."""
    return rpc.notify.set_unit_robot(unit=unit, channel=channel, url=None,
                                     caller=caller.as_rpc())


@router.get("/templates")
def list_templates(caller: Admin, rpc: Rpc, db: DbSession,
                   event_type: NotifyEventType | None = None,
                   channel: NotifyChannel | None = None):
    """The message templates in force, each with the variables it may use and who
    last changed it by name (`updated_by_name`, null for a default)."""
    templates = rpc.notify.list_templates(**present(event_type=event_type, channel=channel))
    with_names(db, templates["items"], "updated_by")
    return templates


@router.put("/templates/{event_type}/{channel}")
def set_template(caller: Admin, event_type: NotifyEventType, channel: NotifyChannel,
                 body: TemplateIn, rpc: Rpc):
    """Store the template of an event type on a channel (Jinja2, rendered in a
    sandbox; the service refuses one that does not render with a sample)."""
    return rpc.notify.set_template(event_type=event_type, channel=channel,
                                   subject=body.subject, body=body.body,
                                   caller=caller.as_rpc())


@router.post("/templates/{event_type}/{channel}/preview")
def preview_template(caller: Admin, event_type: NotifyEventType, channel: NotifyChannel,
                     body: TemplateIn, rpc: Rpc):
    """The template as a message would read, filled with the event type's sample
    values, before it is stored: {subject, body}. Stores nothing."""
    return rpc.notify.preview_template(event_type=event_type, channel=channel,
                                       subject=body.subject, body=body.body,
                                       caller=caller.as_rpc())


@router.get("/bulletins")
def list_bulletins(caller: CityWide, rpc: Rpc, limit: Limit = 100, offset: Offset = 0):
    """The weekly bulletins (每周专报), newest week first."""
    return rpc.notify.list_bulletins(limit=limit, offset=offset)


@router.post("/bulletins")
def generate_bulletin(caller: Admin, rpc: Rpc,
                      body: Annotated[BulletinIn | None, Body()] = None):
    """Draw up the bulletin of the week from `week_start` (a Monday; default the
    last full week) as a draft for the office to sign (or, with
    LUOSHI_BULLETIN_SIGN_OFF=0, issue it to the leaders at once). 200, not 201: a
    week's draft drawn up again replaces the earlier one under the same id; 409 once
    that week's bulletin is issued."""
    week_start = body.week_start if body is not None else None
    return rpc.notify.generate_bulletin(
        caller=caller.as_rpc(),
        **present(week_start=week_start.isoformat() if week_start else None))


@router.post("/bulletins/{bulletin_id}/issue")
def issue_bulletin(caller: Admin, bulletin_id: BulletinId, rpc: Rpc):
    """Sign (签发) a drafted bulletin: it takes the year's next number (第N期), the
    issuing office and today's date under its red header, and goes to the leaders.
    409 when it is issued already."""
    return rpc.notify.issue_bulletin(bulletin_id=bulletin_id, caller=caller.as_rpc())


def _bulletin_file(rpc, bulletin_id: int, format: str, media_type: str) -> Response:
    bulletin = rpc.notify.get_bulletin(bulletin_id=bulletin_id, format=format)
    return Response(
        base64.b64decode(bulletin["content_b64"]), media_type=media_type,
        headers={
            # A download, not a page of ours: the HTML quotes reasons people typed.
            "Content-Disposition": attachment(bulletin.get("filename"),
                                              f"bulletin-{bulletin_id}.{format}"),
            "X-Content-Type-Options": "nosniff",
        })


def _file_response(media_type: str, what: str) -> dict:
    return {200: {"description": f"the bulletin as {what}",
                  "content": {media_type.split(";")[0]: {
                      "schema": {"type": "string", "format": "binary"}}}}}


@router.get("/bulletins/{bulletin_id}.pdf", response_class=Response,
            responses=_file_response(PDF_MEDIA_TYPE, "a PDF document"))
def download_bulletin_pdf(caller: CityWide, bulletin_id: BulletinId, rpc: Rpc):
    return _bulletin_file(rpc, bulletin_id, "pdf", PDF_MEDIA_TYPE)


@router.get("/bulletins/{bulletin_id}.html", response_class=Response,
            responses=_file_response(HTML_MEDIA_TYPE, "an HTML page"))
def download_bulletin_html(caller: CityWide, bulletin_id: BulletinId, rpc: Rpc):
    return _bulletin_file(rpc, bulletin_id, "html", HTML_MEDIA_TYPE)


@router.get("/bulletins/{bulletin_id}.docx", response_class=Response,
            responses=_file_response(DOCX_MEDIA_TYPE, "a Word document"))
def download_bulletin_docx(caller: CityWide, bulletin_id: BulletinId, rpc: Rpc):
    return _bulletin_file(rpc, bulletin_id, "docx", DOCX_MEDIA_TYPE)
