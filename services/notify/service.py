"""The notify service's entrypoints: keep the units' contacts, turn warning,
notice and task events into notifications routed by configurable rules, send
them through their channels with retries, climb the escalation ladder and
publish the weekly bulletin. The rules and templates are in logic.py, the
channels in channels.py, the documents in documents.py, the queries in
repository.py."""
import base64
import datetime as dt
import logging
import uuid

import eventlet

from services.common.calendar_copy import CalendarCopyEntrypoints
from services.common.clock import Clock, utcnow
from services.common.consuming import RpcProxy, applied_once, event_handler, rpc
from services.common.leases import claim_timer_run, timer_run_claimed
from services.common.operations import Operations
from services.common.sessions import Database
from services.common.settings import Settings
from services.common.text import refuse_unstorable
from services.common.timers import timer
from services.common.workdays import CALENDAR, WORKING

from . import documents, logic, models
from . import repository as repo
from .dependencies import Delivery
from .exceptions import EXPECTED, Conflict, Forbidden, InvalidInput, NotFound
from .extension_handlers import ExtensionHandlers
from .forecast_handlers import ForecastHandlers
from .leaders_entrypoints import LeadersHandlers
from .reminders_entrypoints import RemindersHandlers
from .schemas import (
    ColourChangedIn,
    NoticeIssuedIn,
    NoticeOverdueIn,
    NoticeStepIn,
    RankingPublishedIn,
    TaskStatusChangedIn,
    UnitCreatedIn,
    UnitUpdatedIn,
)
from .settings import NotifySettings
from .verification_handlers import VerificationHandlers

log = logging.getLogger(__name__)
MOVERS_TIMEOUT_SECONDS = 10
LEASE_SECONDS = 300  # a claimed row returns to the queue if its sender died
MAX_BATCHES_PER_TICK = 50


def _admin(caller):
    if not caller or caller.get("role") != "admin":
        raise Forbidden("only an administrator may change this")


BULLETIN_FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
                    "docx": "application/vnd.openxmlformats-officedocument"
                            ".wordprocessingml.document"}


def _bulletin_id(value):
    if not isinstance(value, int) or isinstance(value, bool):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidInput({"bulletin_id": "a bulletin's id"}) from None
    return value


def _office_wide(caller):
    if not caller or caller.get("units") is not None:
        raise Forbidden("only callers who see every unit may do this")


def _may_see(caller, row):
    if not caller:
        return False
    units = caller.get("units")
    return units is None or row.unit in units or row.recipient == caller.get("user")


def _robot_item(row):
    """A unit's robot as people may see it: no secret, the token masked."""
    return {"unit": row["unit"], "unit_name": row["name"] or row["unit"],
            "channel": row["channel"], "url": logic.mask_robot_url(row["url"]),
            "signed": bool(row["secret"]), "updated_at": row["updated_at"].isoformat(),
            "updated_by": row["updated_by"]}


class Service(LeadersHandlers, ExtensionHandlers, ForecastHandlers, RemindersHandlers,
              VerificationHandlers, CalendarCopyEntrypoints, Operations):
    """Notifications: SMS, e-mail, webhooks, DingTalk and WeCom group robots and
    the in-portal inbox, with the
    delivery log, escalation ladder and weekly bulletin.

    Emits no events. Keeps a copy of the office's working-day calendar
    (CalendarCopyEntrypoints).
    """

    name = "notify"

    # Nothing is emitted, so no outbox relay needs to run beside the workers.
    db = Database(relay=False, kept=[models.DEDUP_MARKS])
    # Validated when the container is made (see services/common/settings.py).
    settings = Settings(NotifySettings)
    clock = Clock()
    ranking = RpcProxy("ranking")
    tasks = RpcProxy("tasks")
    # The bulletin's colours and forecasts; the calendar's copy asks it too.
    warnings = RpcProxy("warnings")
    delivery = Delivery()
    # The escalation ladders and the bulletin count working days by it.
    calendar_copy = repo.CALENDAR

    # Events from the tasks and warnings services -----------------------------

    @event_handler("tasks", "unit_created")
    @applied_once(UnitCreatedIn)
    def on_unit_created(self, session, event):
        """Keep the unit's name, kind and its head's and operator's contacts."""
        unit = event["unit"]
        repo.save_contacts(session, unit)

    @event_handler("tasks", "unit_updated")
    @applied_once(UnitUpdatedIn)
    def on_unit_updated(self, session, event):
        """A unit renamed or given a new head or operator: every message from the
        next one on reaches the new contacts."""
        repo.update_contacts(session, event["unit"])

    @event_handler("warnings", "colour_changed")
    @applied_once(ColourChangedIn)
    def on_colour_changed(self, session, event):
        """Route every task the evaluation gave a new colour (by default: red to
        the unit's operator by SMS, e-mail and inbox), start the escalation ladder
        of tasks turning red, stop it for tasks leaving red, and note new red
        tasks for the bulletin. A red warning settles for
        LUOSHI_NOTIFY_SETTLE_MINUTES, and a new task's first yellow or red waits
        until it is due to be reported on (logic.not_before); a held warning whose
        task changes colour meanwhile is dropped unsent, its status saying why."""
        turns = logic.colour_turns(event["changes"])
        if not turns:
            return
        local = self.clock.now()
        now = logic.to_utc(local)
        settings = self.delivery.settings
        self._settle_held(session, {f"task:{turn['task']}": turn["colour"] for turn in turns})
        self._settle_forecasts(session, [turn["task"] for turn in turns
                                         if turn["colour"] == logic.RED])
        names = repo.unit_names(session, {turn["unit"] for turn in turns})
        holds = {turn["task"]: logic.not_before(turn, event["as_of"], local,
                                                settings.settle_minutes)
                 for turn in turns}
        occurrences = [{
            "event_type": logic.COLOUR_CHANGED, "item": f"task:{turn['task']}",
            "unit": turn["unit"], "task": turn["task"], "colour": turn["colour"],
            "as_of": event["as_of"],
            "not_before": logic.to_utc(holds[turn["task"]]) if holds[turn["task"]] else None,
            "context": logic.colour_context(turn["task"], names.get(turn["unit"], turn["unit"]),
                                            turn.get("reason"), event["as_of"],
                                            turn["colour"]),
        } for turn in turns]
        self._notify(session, occurrences, event["event_id"], now, local)
        red = [turn for turn in turns if turn["colour"] == logic.RED]
        calendar = self._calendar(session)
        titles = repo.task_titles(session, {turn["task"] for turn in red})
        # The ladder counts its grace from the moment the warning may go out:
        # nobody is chased about a warning nobody was sent.
        repo.open_escalations(session, [{
            "item": f"task:{turn['task']}", "unit": turn["unit"], "task": turn["task"],
            "label": f"「{titles.get(turn['task']) or turn['task']}」红色预警", "level": 0,
            "next_at": logic.to_utc(logic.add_days(holds[turn["task"]] or local,
                                                   settings.grace_days[0], calendar))}
            for turn in red], now)
        for colour, reason in ((logic.GREEN, logic.TURNED_GREEN),
                               (logic.YELLOW, logic.TURNED_YELLOW)):
            repo.stop_escalations(session, [f"task:{turn['task']}" for turn in turns
                                            if turn["previous"] == logic.RED
                                            and turn["colour"] == colour], reason, now)
        repo.save_facts(session, [
            {"kind": "red", "key": turn["task"], "task": turn["task"], "unit": turn["unit"],
             "detail": (turn.get("reason") or "").rstrip("。"), "day": event["as_of"]}
            for turn in red])

    @event_handler("warnings", "notice_issued")
    @applied_once(NoticeIssuedIn)
    def on_notice_issued(self, session, event):
        """Tell the unit's head (by default by SMS, e-mail and inbox) and start the
        notice's escalation ladder at the head's level."""
        notice = event["notice"]
        local = self.clock.now()
        now = logic.to_utc(local)
        names = repo.unit_names(session, [notice["unit"]])
        item = f"notice:{notice['id']}"
        number = notice["number"] or str(notice["id"])
        self._notify(session, [{
            "event_type": logic.NOTICE_ISSUED, "item": item, "unit": notice["unit"],
            "task": notice["task"], "colour": None, "as_of": None,
            "context": {"unit_name": names.get(notice["unit"], notice["unit"]),
                        "task": notice["task"], "number": number,
                        "reason": (notice["reason"] or "未说明").rstrip("。"),
                        "ack_due": (notice["ack_due"] or "")[:10],
                        "answer_due": (notice["answer_due"] or "")[:10],
                        "issued_at": (notice["issued_at"] or "")[:10],
                        "ack_due_words": logic.iso_words(notice["ack_due"]),
                        "answer_due_words": logic.iso_words(notice["answer_due"]),
                        "issued_at_words": logic.iso_words(notice["issued_at"])},
        }], event["event_id"], now, local)
        self._notice_deadlines(session, notice)
        settings = self.delivery.settings
        repo.open_escalation(
            session, item, notice["unit"], notice["task"], f"督办单 {number}", 1,
            logic.to_utc(logic.add_days(local, settings.grace_days[1],
                                        self._calendar(session))), now)

    @event_handler("warnings", "notice_acknowledged")
    @applied_once(NoticeStepIn)
    def on_notice_acknowledged(self, session, event):
        """Stop the notice's escalation ladder."""
        self._notice_settled(session, event, logic.ACKNOWLEDGED)

    @event_handler("warnings", "notice_answered")
    @applied_once(NoticeStepIn)
    def on_notice_answered(self, session, event):
        """Stop the notice's escalation ladder (an answer implies it was read)."""
        self._notice_settled(session, event, "answered")

    @event_handler("warnings", "notice_closed")
    @applied_once(NoticeStepIn)
    def on_notice_closed(self, session, event):
        """Stop the notice's escalation ladder."""
        self._notice_settled(session, event, "closed")

    @event_handler("warnings", "notice_overdue")
    @applied_once(NoticeOverdueIn)
    def on_notice_overdue(self, session, event):
        """Tell the unit's head (by default) that a notice missed a deadline, and
        note it for the bulletin."""
        local = self.clock.now()
        now = logic.to_utc(local)
        names = repo.unit_names(session, [event["unit"]])
        number = event["number"] or str(event["notice_id"])
        stage_name = logic.STAGE_NAMES.get(event["stage"], event["stage"])
        self._notify(session, [{
            "event_type": logic.NOTICE_OVERDUE, "item": f"notice:{event['notice_id']}",
            "unit": event["unit"], "task": event["task"],
            "colour": event["colour"] or f"overdue-{event['stage']}", "as_of": None,
            "context": {"unit_name": names.get(event["unit"], event["unit"]),
                        "task": event["task"], "number": number, "stage": event["stage"],
                        "stage_name": stage_name, "colour": event["colour"]},
        }], event["event_id"], now, local)
        repo.save_facts(session, [{
            "kind": "overdue", "key": f"{event['notice_id']}:{event['stage']}",
            "task": event["task"], "unit": event["unit"],
            "detail": f"督办单 {number} 逾期未{stage_name}",
            "day": self.clock.day_of(event["occurred_at"])}])

    @event_handler("ranking", "ranking_published")
    @applied_once(RankingPublishedIn)
    def on_ranking_published(self, session, event):
        """Tell the leaders (by default) that a period's ranking and its red and
        black lists are published."""
        local = self.clock.now()
        groups = [{"label": group["label"],
                   "red": "、".join(unit["name"] for unit in group["red_list"]),
                   "black": "、".join(unit["name"] for unit in group["black_list"])}
                  for group in event["groups"]]
        self._notify(session, [{
            "event_type": logic.RANKING_PUBLISHED, "item": f"ranking:{event['period']}",
            "unit": "leaders", "task": None, "colour": None, "as_of": None,
            "context": {"period": event["period"], "period_label": event["label"],
                        "groups": groups, "unit_name": "领导"},
        }], event["event_id"], logic.to_utc(local), local)

    @event_handler("tasks", "task_closed")
    @applied_once(TaskStatusChangedIn)
    def on_task_closed(self, session, event):
        """Stop the task's escalation ladder and note the closure for the bulletin."""
        self._task_settled(session, event, "closed", "已销号")

    @event_handler("tasks", "task_explained")
    @applied_once(TaskStatusChangedIn)
    def on_task_explained(self, session, event):
        """Stop the task's escalation ladder and note the explanation for the
        bulletin."""
        self._task_settled(session, event, "explained", "说明办结")

    @event_handler("tasks", "task_cancelled")
    @applied_once(TaskStatusChangedIn)
    def on_task_cancelled(self, session, event):
        """Stop the cancelled task's escalation ladder: nobody is chased for it."""
        self._task_settled(session, event, "cancelled", "已撤销")

    # Time ---------------------------------------------------------------------

    @timer(interval=10, config_key="LUOSHI_NOTIFY_TICK_SECONDS")
    def tick(self):
        """Climb due escalations, send the reminders before deadlines due (once
        every LUOSHI_NOTIFY_REMINDER_MINUTES), send due deliveries and, once a week after
        LUOSHI_BULLETIN_HOUR on the first working day from LUOSHI_BULLETIN_WEEKDAY,
        draw up the bulletin of the week before (for the office to sign, or issued
        at once without LUOSHI_BULLETIN_SIGN_OFF). Safe to run in every replica at
        once."""
        local = self.clock.now()
        self._escalate_due(local)
        self._remind_due(local)
        self._send_due(local)
        settings = self.delivery.settings
        if local.hour < settings.bulletin_hour:
            return
        with self.db.session(readonly=True) as session:
            weeks = [week_start for week_start in logic.bulletin_weeks_due(
                local.date(), settings.bulletin_weekday, self._calendar(session))
                if not timer_run_claimed(session, "weekly-bulletin", week_start.isoformat())]
        for week_start in weeks:
            # Asked before the claiming transaction: a write transaction held open
            # across an RPC would lock every other handler out of the database.
            asked = self._bulletin_inputs(week_start)
            with self.db.session() as session:
                if claim_timer_run(session, "weekly-bulletin", week_start.isoformat(),
                                   uuid.uuid4().hex):
                    self._draw_bulletin(session, week_start, logic.to_utc(local), local,
                                        *asked, timer=True)

    # Queries and commands ---------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_notifications(self, task=None, unit=None, channel=None, status=None,
                           event_type=None, limit=100, offset=0):
        """The delivery log, newest first, filtered by task, unit, channel
        (inbox, sms, email, webhook, dingtalk, wecom), status (pending, sending, sent,
        delivered, failed, dropped) and event type: {"items": [{id, channel,
        recipient, unit, task, subject, body, status, created_at, event_type, item,
        colour, role, level, items, attempts, provider_answer, next_attempt_at,
        sent_at, read_at, dropped_reason}], "total"}. A dropped row is a held colour
        warning whose task changed colour before it went out: dropped_reason
        recovered or superseded, provider_answer says so in words. InvalidInput for
        an unknown channel or status or a bad page."""
        refuse_unstorable(task=task, unit=unit, channel=channel, status=status)
        limit, offset = logic.page(limit, offset)
        if channel is not None and channel not in logic.CHANNELS:
            raise InvalidInput({"channel": f"one of {', '.join(logic.CHANNELS)}"})
        if status is not None and status not in logic.STATUSES:
            raise InvalidInput({"status": f"one of {', '.join(logic.STATUSES)}"})
        with self.db.session(readonly=True) as session:
            return repo.list_notifications(session, limit, offset, task=task, unit=unit,
                                           channel=channel, status=status,
                                           event_type=event_type)

    @rpc(expected_exceptions=EXPECTED)
    def list_inbox(self, unit=None, user=None, unread=None, limit=100, offset=0):
        """Inbox messages, newest first, addressed to the unit's inbox or to the
        user (both when both are given), only unread (True) or read (False) ones
        if asked; same items as list_notifications."""
        refuse_unstorable(unit=unit, user=user)
        limit, offset = logic.page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.list_inbox(session, limit, offset, unit=unit, user=user,
                                   unread=unread)

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, ids, caller):
        """Mark inbox messages read for `caller` ({user, role, units}).
        Answers {"marked": n} (messages already read are not counted).
        Forbidden when one is not the caller's; NotFound when one is no inbox
        message."""
        ids = self._ids(ids)
        with self.db.session() as session:
            rows = repo.inbox_rows(session, ids)
            if len(rows) != len(set(ids)):
                raise NotFound("no such inbox message")
            if not all(_may_see(caller, row) for row in rows):
                raise Forbidden("a message is not addressed to you or your unit")
            return {"marked": repo.mark_read(session, ids, caller.get("user"),
                                             logic.to_utc(self.clock.now()))}

    @rpc(expected_exceptions=EXPECTED)
    def acknowledge(self, notification_id, caller):
        """The caller has seen the notification and acts on it: it is marked read
        and the escalation ladder of its item stops. Answers {"notification_id",
        "item", "stopped": [items]}. NotFound, Forbidden."""
        with self.db.session() as session:
            row = repo.get_notification(session, int(notification_id))
            if row is None:
                raise NotFound("no such notification")
            if not _may_see(caller, row):
                raise Forbidden("the notification is not addressed to you or your unit")
            now = logic.to_utc(self.clock.now())
            repo.mark_read(session, [row.id], caller.get("user"), now)
            stopped = repo.stop_escalations(
                session, [row.item] if row.item else [], logic.ACKNOWLEDGED, now,
                by=caller.get("user"))
            return {"notification_id": row.id, "item": row.item, "stopped": stopped}

    @rpc(expected_exceptions=EXPECTED)
    def list_escalations(self, status=None, unit=None, item=None, limit=100, offset=0):
        """Escalation ladders, newest first: {"items": [{id, item, unit, task,
        label, level, role, status, stopped_reason, stopped_by, next_at, history}],
        "total"}; stopped_reason is a code (see logic.ACKNOWLEDGED), stopped_by the
        user who acknowledged; history lists every step with its time."""
        refuse_unstorable(status=status, unit=unit, item=item)
        limit, offset = logic.page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.list_escalations(session, limit, offset, status=status, unit=unit,
                                         item=item)

    @rpc(expected_exceptions=EXPECTED)
    def list_routing_rules(self):
        """The routing rules in order: {"items": [{position, event_type, colour,
        unit, role, channels, quiet_hours, enabled}]} (the defaults until set)."""
        with self.db.session(readonly=True) as session:
            return {"items": repo.load_rules(session)}

    @rpc(expected_exceptions=EXPECTED)
    def set_routing_rules(self, rules, caller):
        """Replace every routing rule (admin only). A rule is {event_type, role,
        channels, colour?, unit?, quiet_hours? ("22:00-08:00" by default, null for
        none; applies to SMS), enabled?}. Answers the rules as list_routing_rules.
        Forbidden, InvalidInput."""
        refuse_unstorable(rules=rules)
        _admin(caller)
        clean = logic.validate_rules(rules)
        with self.db.session() as session:
            repo.replace_rules(session, clean)
            return {"items": repo.load_rules(session) if clean else []}

    @rpc(expected_exceptions=EXPECTED)
    def list_unit_robots(self, unit=None):
        """The units' work-group robots and the office-wide ones of the settings:
        {"items": [{unit, unit_name, channel, url, signed, updated_at,
        updated_by}], "office": [{channel, url, signed}]}. An address shows its
        token's last four characters only; a secret is never answered, `signed`
        says whether there is one."""
        refuse_unstorable(unit=unit)
        with self.db.session(readonly=True) as session:
            rows = repo.list_robots(session, unit)
        return {
            "items": [_robot_item(row) for row in rows],
            "office": [{"channel": channel, "url": logic.mask_robot_url(url),
                        "signed": bool(secret)}
                       for channel, (url, secret)
                       in sorted(self.delivery.settings.office_robots.items())],
        }

    @rpc(expected_exceptions=EXPECTED)
    def set_unit_robot(self, unit, channel, url, caller, secret=None):
        """Give a unit's work group its `channel` robot (dingtalk, wecom), or
        take it away with url None (admin only). `url` is the robot's webhook
        address; `secret` a DingTalk robot's 加签 secret. From the next message
        on, the routing rules naming the channel reach that group. Answers the
        unit's robot as list_unit_robots shows it ({"unit", "channel",
        "removed": true} once removed). Forbidden; NotFound for a unit notify
        has not heard of; InvalidInput for another channel, an address not the
        vendor's (unless LUOSHI_ROBOT_ANY_HOST) or a malformed secret."""
        refuse_unstorable(unit=unit, channel=channel, url=url, secret=secret)
        _admin(caller)
        if channel not in logic.ROBOTS:
            raise InvalidInput({"channel": f"one of {', '.join(logic.ROBOTS)}"})
        if not isinstance(unit, str) or not unit.strip():
            raise InvalidInput({"unit": "a unit code"})
        now = utcnow()
        with self.db.session() as session:
            if not repo.unit_known(session, unit):
                raise NotFound("no such unit")
            if url is None:
                if secret is not None:
                    raise InvalidInput({"secret": "未填写地址时不能填写密钥：删除机器人不需要密钥"})
                repo.delete_robot(session, unit, channel)
                return {"unit": unit, "channel": channel, "removed": True}
            problem = logic.check_robot_url(channel, url, self.delivery.settings.robot_any_host)
            if problem:
                raise InvalidInput({"url": problem})
            problem = logic.check_robot_secret(channel, secret)
            if problem:
                raise InvalidInput({"secret": problem})
            repo.save_robot(session, unit, channel, url.strip(), secret,
                            caller.get("user") or "admin", now)
            (row,) = [row for row in repo.list_robots(session, unit)
                      if row["channel"] == channel]
        # Logged by what changed, never by its address: the address is the key.
        log.info("%s robot of unit %s set by %s (signed: %s)", channel, unit,
                 caller.get("user"), bool(secret))
        return _robot_item(row)

    @rpc(expected_exceptions=EXPECTED)
    def list_templates(self, event_type=None, channel=None):
        """The templates in force: {"items": [{event_type, channel, subject, body,
        updated_at, updated_by, variables}]}; updated_at null means the default."""
        refuse_unstorable(event_type=event_type, channel=channel)
        with self.db.session(readonly=True) as session:
            stored = repo.load_templates(session)
        items = [{"event_type": key[0], "channel": key[1], **value,
                  "variables": sorted(logic.SAMPLE_CONTEXTS[key[0]]),
                  "variable_names": {name: logic.VARIABLE_NAMES.get(name, name)
                                     for name in logic.SAMPLE_CONTEXTS[key[0]]},
                  "preview": logic.preview_or_none(key[0], key[1], value)}
                 for key, value in sorted(stored.items())
                 if event_type in (None, key[0]) and channel in (None, key[1])]
        return {"items": items}

    @rpc(expected_exceptions=EXPECTED)
    def preview_template(self, event_type, channel, subject, body, caller):
        """A template as a message would read it, filled with its event type's
        sample, before it is stored (admin only): {subject, body}. InvalidInput as
        set_template."""
        refuse_unstorable(event_type=event_type, channel=channel, subject=subject, body=body)
        _admin(caller)
        return logic.preview_template(event_type, channel, subject, body)

    @rpc(expected_exceptions=EXPECTED)
    def set_template(self, event_type, channel, subject, body, caller):
        """Store the template of an event type on a channel (admin only), once it
        renders with a sample context in the sandbox. Answers the template.
        Forbidden; InvalidInput for an unknown event type or channel, a syntax
        error, an unknown variable or a refused construct."""
        refuse_unstorable(event_type=event_type, channel=channel, subject=subject, body=body)
        _admin(caller)
        template = logic.validate_template(event_type, channel, subject, body)
        with self.db.session() as session:
            repo.save_template(session, template, caller.get("user") or "admin", utcnow())
            return {**template, **repo.load_templates(session)[(event_type, channel)]}

    @rpc(expected_exceptions=EXPECTED)
    def generate_bulletin(self, caller, week_start=None):
        """Draw up (again) the bulletin of the week from `week_start` (a Monday,
        YYYY-MM-DD; default the last full week) as a draft for the office to sign
        (签发), or, without LUOSHI_BULLETIN_SIGN_OFF, issue it to the leaders at once.
        Answers the bulletin ({id, week_start, status, ..., summary}). Forbidden
        unless the caller sees every unit; InvalidInput for a date that is not a
        Monday; Conflict once that week's bulletin is issued."""
        _office_wide(caller)
        local = self.clock.now()
        if week_start is None:
            day = logic.week_bounds(local.date())[0] - dt.timedelta(days=7)
        else:
            try:
                day = dt.date.fromisoformat(week_start)
            except (TypeError, ValueError):
                raise InvalidInput({"week_start": "a date as YYYY-MM-DD"}) from None
            if day.weekday() != 0:
                raise InvalidInput({"week_start": "a Monday"})
        with self.db.session(readonly=True) as session:
            self._refuse_issued(repo.bulletin_of_week(session, day))
        asked = self._bulletin_inputs(day)  # before the transaction, as in tick
        with self.db.session() as session:
            return self._draw_bulletin(session, day, logic.to_utc(local), local, *asked,
                                       caller=caller)

    @rpc(expected_exceptions=EXPECTED)
    def issue_bulletin(self, bulletin_id, caller):
        """Sign (签发) a drafted bulletin (admin only): it takes the next number of
        the year (第N期), the issuing office and today's date under its red header,
        and goes to the leaders. Answers the bulletin. NotFound; Conflict when it
        is issued already."""
        _admin(caller)
        local = self.clock.now()
        with self.db.session() as session:
            row = repo.get_bulletin(session, _bulletin_id(bulletin_id))
            if row is None:
                raise NotFound("no such bulletin")
            self._refuse_issued(row)
            return self._issue(session, row, logic.to_utc(local), local,
                               caller.get("user") or "admin")

    @rpc(expected_exceptions=EXPECTED)
    def list_bulletins(self, limit=100, offset=0):
        """Bulletins, newest week first: {"items": [{id, week_start, generated_at,
        status (draft, issued), year, number, issue (2026年第3期), issued_at,
        issued_by, heading (the red header's words: logic.bulletin_heading),
        summary}], "total", "drafts" (awaiting signature)}."""
        limit, offset = logic.page(limit, offset)
        with self.db.session(readonly=True) as session:
            answer = repo.list_bulletins(session, limit, offset)
            issuer = self._issuer(session)
            for item, row in zip(answer["items"], answer.pop("rows"), strict=True):
                item["heading"] = self._heading(session, row, issuer)
            return answer

    @rpc(expected_exceptions=EXPECTED)
    def get_bulletin(self, bulletin_id, format="pdf"):
        """One bulletin as a file: {id, week_start, filename, content_type,
        content_b64}; format pdf, html or docx. NotFound, InvalidInput."""
        if format not in BULLETIN_FORMATS:
            raise InvalidInput({"format": "pdf, html or docx"})
        with self.db.session(readonly=True) as session:
            row = repo.get_bulletin(session, _bulletin_id(bulletin_id))
            if row is None:
                raise NotFound("no such bulletin")
            content = {"pdf": row.pdf, "html": row.html.encode(), "docx": row.docx}[format]
            if content is None:  # issued before Word copies were kept
                content = documents.render_docx(row.summary, self._heading(session, row))
        return {"id": row.id, "week_start": row.week_start.isoformat(),
                "filename": logic.bulletin_filename(format, row.status, row.week_start,
                                                    row.year, row.number),
                "content_type": BULLETIN_FORMATS[format],
                "content_b64": base64.b64encode(content).decode()}

    # Inside -------------------------------------------------------------------------

    @staticmethod
    def _ids(ids):
        try:
            ids = [int(value) for value in ids]
        except (TypeError, ValueError):
            raise InvalidInput({"ids": "a list of notification ids"}) from None
        if not ids or len(ids) > logic.MAX_LIMIT:
            raise InvalidInput({"ids": f"1–{logic.MAX_LIMIT} ids"})
        return ids

    def _directory(self, session):
        settings = self.delivery.settings
        contacts = repo.all_contacts(session)
        return {"contacts": contacts, "office": logic.office_unit(contacts, settings.office_unit),
                "leaders": settings.leaders, "webhooks": settings.webhooks,
                "robots": repo.robot_units(session),
                "office_robots": set(settings.office_robots)}

    def _notify(self, session, occurrences, event_id, now, local, role=None):
        """Route, de-duplicate, digest and queue the notifications of one event's
        occurrences; inbox messages are delivered at once, the others wait for the
        sender (SMS past the quiet hours of their rule). Answers the rows kept."""
        settings = self.delivery.settings
        directory = self._directory(session)
        occurrences = logic.with_titles(occurrences, repo.task_titles(
            session, {occurrence["task"] for occurrence in occurrences if occurrence.get("task")}))
        rows = logic.plan_messages(occurrences, repo.load_rules(session),
                                   repo.load_templates(session), directory, event_id, now,
                                   role=role)
        keys = [row["dedup_key"] for row in rows if row["dedup_key"]]
        recent = repo.recent_keys(session, keys,
                                  now - dt.timedelta(hours=settings.dedup_hours))
        rows = logic.drop_duplicates(rows, recent)
        repo.mark_keys(session, [row["dedup_key"] for row in rows], now)
        rows = logic.digest(rows, settings.digest_threshold, repo.load_templates(session),
                            self._names(directory), event_id, now)
        for row in rows:
            if row["quiet_hours"]:
                # From the moment it may go out: a held SMS also waits out the night.
                start = row["next_attempt_at"].replace(tzinfo=dt.UTC).astimezone(local.tzinfo)
                release = logic.release_time(max(start, local), row["quiet_hours"])
                row["next_attempt_at"] = logic.to_utc(release)
        repo.save_notifications(session, rows)
        return rows

    @staticmethod
    def _names(directory):
        """{phone, e-mail or robot group: the name people read} of every unit's
        head, operator and work group, and of the office's group."""
        names = {logic.OFFICE_GROUP: logic.ROLE_NAMES[logic.OFFICE]}
        for code, contact in directory["contacts"].items():
            names[f"unit:{code}"] = contact["name"]
            for person in (contact.get("head"), contact.get("operator")):
                for field in ("phone", "email"):
                    if person and person.get(field):
                        names[person[field]] = person.get("name") or contact["name"]
        return names

    def _settle_held(self, session, new_colours):
        """Drop the held colour warnings of items that just turned another colour
        ({item: colour}), keeping them in the log as dropped, and take them out of
        held digests; their de-duplication marks are forgotten, as they were
        never sent."""
        held = repo.held_colour_warnings(session, list(new_colours))
        if not held:
            return
        drops, shrunk, forget = logic.settle_held(
            held, new_colours, repo.load_templates(session),
            self._names(self._directory(session)))
        repo.drop_notifications(session, drops)
        for digest in shrunk:
            repo.shrink_digest(session, digest["id"], digest["members"], digest["items"],
                               digest["subject"], digest["body"])
        repo.forget_keys(session, forget)
        if drops:
            log.info("%d held warnings dropped: their tasks changed colour first", len(drops))

    def _notice_settled(self, session, event, what):
        self._notice_step(session, event["notice_id"], what)
        repo.stop_escalations(session, [f"notice:{event['notice_id']}"], what,
                              logic.to_utc(self.clock.now()))

    def _task_settled(self, session, event, kind, words):
        repo.set_task_status(session, event["task"], kind)
        repo.stop_escalations(session, [f"task:{event['task']}"], kind,
                              logic.to_utc(self.clock.now()))
        reason = (event["reason"] or "").rstrip("。")
        repo.save_facts(session, [{
            "kind": kind, "key": event["task"], "task": event["task"],
            "unit": event["lead_unit"], "detail": f"{words}：{reason}" if reason else words,
            "day": self.clock.day_of(event["occurred_at"])}])

    def _calendar(self, session):
        """The platform's working-day calendar as this service's copy has it (or
        plain days, with LUOSHI_ESCALATION_DAYS=calendar); built again only when
        the copy changed."""
        return repo.CALENDAR.calendar(
            session, WORKING if self.delivery.settings.working_days else CALENDAR)

    def _escalate_due(self, local):
        now = logic.to_utc(local)
        settings = self.delivery.settings
        with self.db.session() as session:
            for row in repo.due_escalations(session, now):
                step = logic.climb({"level": row.level}, settings.grace_days,
                                   self._calendar(session), local)
                step = {**step, "next_at": logic.to_utc(step["next_at"])
                        if step["next_at"] else None}
                if not repo.climb_escalation(session, row, step, now):
                    continue  # another replica climbed it
                names = repo.unit_names(session, [row.unit])
                since = row.created_at.replace(tzinfo=dt.UTC).astimezone(local.tzinfo)
                self._notify(session, [{
                    "event_type": logic.ESCALATION, "item": row.item, "unit": row.unit,
                    "task": row.task, "colour": f"level{step['level']}", "as_of": None,
                    "level": step["level"],
                    "context": {"unit_name": names.get(row.unit, row.unit), "task": row.task,
                                "label": row.label, "since": since.date().isoformat(),
                                "since_words": logic.chinese_date(since.date()),
                                "level": step["level"]},
                }], f"escalation-{row.id}-{step['level']}", now, local, role=step["role"])

    def _send_due(self, local):
        """Send what is due, batch after batch, until nothing is due."""
        holder = uuid.uuid4().hex
        for _ in range(MAX_BATCHES_PER_TICK):
            now = logic.to_utc(local)
            with self.db.session() as session:
                claimed = repo.claim_due(session, holder, now,
                                         now + dt.timedelta(seconds=LEASE_SECONDS),
                                         self.delivery.settings.batch)
                attachments = self._attachments(session, claimed)
                robots = self._robots(session, claimed)
            if not claimed:
                return
            outcomes = self._deliver(claimed, attachments, local, now, robots)
            with self.db.session() as session:
                repo.record_outcomes(session, outcomes)

    def _attachments(self, session, rows):
        answer = {}
        for bulletin_id in {row["bulletin_id"] for row in rows if row["bulletin_id"]}:
            bulletin = repo.get_bulletin(session, bulletin_id)
            if bulletin is not None:
                name = logic.bulletin_filename("pdf", bulletin.status, bulletin.week_start,
                                               bulletin.year, bulletin.number)
                answer[bulletin_id] = (bulletin.html, [(name, "application/pdf", bulletin.pdf)])
        return answer

    def _robots(self, session, rows):
        """{(channel, recipient): {url, secret}} of the robot rows' groups as they
        stand now: a robot changed after a message was queued gets it."""
        wanted = [row for row in rows if row["channel"] in logic.ROBOTS]
        if not wanted:
            return {}
        stored = repo.robots_of(session, [row["recipient"][len("unit:"):] for row in wanted
                                          if row["recipient"].startswith("unit:")])
        answer = {(channel, f"unit:{unit}"): robot for (unit, channel), robot in stored.items()}
        for channel, (url, secret) in self.delivery.settings.office_robots.items():
            answer[(channel, logic.OFFICE_GROUP)] = {"url": url, "secret": secret}
        return answer

    def _deliver(self, rows, attachments, local, now, robots=None):
        """Send claimed rows channel by channel; answers their outcomes."""
        settings = self.delivery.settings
        outcomes, by_channel = [], {}
        for row in rows:
            release = logic.release_time(local, row["quiet_hours"])
            if release > local:  # claimed inside the quiet hours: wait, do not count
                outcomes.append({**row, "next_attempt_at": logic.to_utc(release),
                                 "status": logic.PENDING, "sent_at": None})
                continue
            if row["channel"] == logic.INBOX:  # a held inbox message: writing it is enough
                outcomes.append({"id": row["id"], "attempts": row["attempts"] + 1,
                                 "provider_answer": "stored in the inbox",
                                 "status": logic.DELIVERED, "sent_at": now,
                                 "next_attempt_at": None})
                continue
            by_channel.setdefault(row["channel"], []).append(row)
        for name, batch in by_channel.items():
            with self.delivery.channels[name]() as channel:
                for row in batch:
                    message = dict(row)
                    if row["bulletin_id"] in attachments:
                        message["html"], message["attachments"] = attachments[row["bulletin_id"]]
                    if name in logic.ROBOTS:
                        message["robot"] = (robots or {}).get((name, row["recipient"]))
                    result = channel.send(message)
                    attempts = row["attempts"] + 1
                    outcome = {"id": row["id"], "attempts": attempts,
                               "provider_answer": result.provider_answer[:2000],
                               "sent_at": None, "next_attempt_at": None}
                    retry_at = (logic.next_attempt(attempts, settings.retry_delays, now)
                                if result.transient else None)
                    if result.ok:
                        outcome.update(status=logic.SENT, sent_at=now)
                    elif retry_at is not None:
                        if row["quiet_hours"]:
                            retry_local = retry_at.replace(tzinfo=dt.UTC).astimezone(local.tzinfo)
                            retry_at = logic.to_utc(logic.release_time(retry_local,
                                                                        row["quiet_hours"]))
                        outcome.update(status=logic.PENDING, next_attempt_at=retry_at)
                    else:
                        outcome.update(status=logic.FAILED)
                        log.warning("notification %s failed for good: %s", row["id"],
                                    result.provider_answer)
                    outcomes.append(outcome)
        return outcomes

    def _movers(self, week_start):
        """The ranking's movers of the week (its live ranks on the Sunday before
        against the week's last day), or None when the ranking service does not
        answer in time: the bulletin is not held up by it."""
        try:
            with eventlet.Timeout(MOVERS_TIMEOUT_SECONDS):
                answer = self.ranking.list_movers(
                    since=(week_start - dt.timedelta(days=1)).isoformat(),
                    until=(week_start + dt.timedelta(days=6)).isoformat(), limit=10)
            return answer["items"]
        except (eventlet.Timeout, Exception) as exc:  # any failure only empties a section
            log.warning("bulletin movers not available: %r", exc)
            return None

    def _batches(self, week_start):
        """The batches' rows as the week ends (tasks and warnings count them), or
        None when either does not answer in time: the bulletin is not held up."""
        try:
            with eventlet.Timeout(MOVERS_TIMEOUT_SECONDS):
                # No caller: a service asking for the city's counts, which only
                # the gateway's signed callers could otherwise narrow.
                batches = self.tasks.list_batches()["items"]
                colours = {entry["batch"]: entry
                           for entry in self.warnings.get_batch_colours()["items"]}
            return logic.batch_rows(batches, colours, week_start + dt.timedelta(days=6))
        except (eventlet.Timeout, Exception) as exc:  # any failure only empties a section
            log.warning("bulletin batches not available: %r", exc)
            return None

    def _bulletin_inputs(self, week_start):
        """What a bulletin asks the other services: (movers, batches, overview,
        foresight)."""
        return (self._movers(week_start), self._batches(week_start),
                self._overview(week_start), self._foresight(week_start))

    def _foresight(self, week_start):
        """What the sections on what is coming ask, for those the office switched
        on (LUOSHI_BULLETIN_FORECAST, LUOSHI_BULLETIN_WAY_OFF): {"forecast":
        (the tasks forecast red, the forecasts' accuracy up to the week's end),
        "way_off": the ranking's ways off the black list}; a value is None when
        its service does not answer in time: the bulletin is not held up."""
        settings = self.delivery.settings
        week_end = week_start + dt.timedelta(days=6)
        asked = {}
        if settings.bulletin_forecast:
            try:
                with eventlet.Timeout(MOVERS_TIMEOUT_SECONDS):
                    asked["forecast"] = (
                        self.warnings.list_forecasts(soon_red=True, limit=logic.FORECAST_ROWS),
                        self.warnings.get_forecast_accuracy(as_of=week_end.isoformat()))
            except (eventlet.Timeout, Exception) as exc:  # only empties a section
                log.warning("bulletin forecasts not available: %r", exc)
                asked["forecast"] = None
        if settings.bulletin_way_off:
            try:
                with eventlet.Timeout(MOVERS_TIMEOUT_SECONDS):
                    asked["way_off"] = self.ranking.list_ways_off()
            except (eventlet.Timeout, Exception) as exc:  # only empties a section
                log.warning("bulletin ways off the black list not available: %r", exc)
                asked["way_off"] = None
        return asked

    def _overview(self, week_start):
        """The week's overall picture from the warnings service (logic.bulletin_overview),
        or None when it does not answer in time: the bulletin is not held up."""
        week_end = week_start + dt.timedelta(days=6)
        try:
            with eventlet.Timeout(MOVERS_TIMEOUT_SECONDS):
                trend = self.warnings.get_colour_trend(weeks=2, as_of=week_end.isoformat())
                dashboard = self.warnings.get_dashboard()
                reds = self.warnings.list_red_items(limit=10)["items"]
        except (eventlet.Timeout, Exception) as exc:  # any failure only empties a section
            log.warning("bulletin overview not available: %r", exc)
            return None
        with self.db.session(readonly=True) as session:
            contacts = repo.all_contacts(session)
            titles = repo.task_titles(session, {item["task"] for item in reds})
        names = {code: row["name"] for code, row in contacts.items()}
        kinds = {code: row["kind"] for code, row in contacts.items()}
        return logic.bulletin_overview(week_end, trend["weeks"], dashboard["units"], reds,
                                       names, kinds, dt.date.fromisoformat(dashboard["as_of"]),
                                       titles)

    @staticmethod
    def _refuse_issued(row):
        if row is not None and row.status == "issued":
            raise Conflict(f"the bulletin of the week from {row.week_start.isoformat()} "
                           "is issued: it is not drawn up again")

    def _issuer(self, session):
        """The issuing office: LUOSHI_BULLETIN_ISSUER, else the office unit's name."""
        settings = self.delivery.settings
        if settings.bulletin_issuer:
            return settings.bulletin_issuer
        contacts = repo.all_contacts(session)
        office = logic.office_unit(contacts, settings.office_unit)
        return contacts.get(office, {}).get("name") or "督查办公室"

    def _heading(self, session, row, issuer=None):
        return logic.bulletin_heading(issuer or self._issuer(session), row.status, row.year,
                                      row.number,
                                      row.issued_at and self.clock.day_of(row.issued_at))

    def _render(self, session, row):
        """(html, pdf, docx) of a bulletin row as it stands."""
        heading = self._heading(session, row)
        return (documents.render_html(row.summary, heading),
                documents.render_pdf(row.summary, heading,
                                     {"LUOSHI_PDF_FONT": self.delivery.settings.pdf_font}),
                documents.render_docx(row.summary, heading))

    def _draw_bulletin(self, session, week_start, now, local, movers, batches, overview,
                       foresight=None, caller=None, timer=False):
        """Draw up the week's bulletin as a draft; without sign-off, issue it."""
        existing = repo.bulletin_of_week(session, week_start)
        if existing is not None and existing.status == "issued":
            if timer:  # a replica that claimed the week after another issued it
                return repo.bulletin_meta(existing)
            self._refuse_issued(existing)
        week_end = week_start + dt.timedelta(days=6)
        facts = repo.facts_between(session, week_start, week_end)
        extensions = repo.extension_facts_until(session, week_end)
        verifications = repo.verification_facts_until(session, week_end)
        gathered = [*facts, *extensions, *verifications]
        names = repo.unit_names(session, {fact["unit"] for fact in gathered if fact["unit"]})
        forecasts = ((foresight or {}).get("forecast") or ({"items": []}, None))[0]["items"]
        summary = logic.bulletin_summary(
            week_start, facts, names, local, movers, batches, overview, extensions,
            verifications=verifications,
            titles=repo.task_titles(session, {fact["task"] for fact in gathered
                                              if fact["task"]}),
            foresight=logic.foresight_sections(
                foresight or {},
                repo.unit_names(session, {item["unit"] for item in forecasts}),
                repo.task_titles(session, {item["task"] for item in forecasts})))
        bulletin_id = repo.save_draft(session, week_start, summary, now)
        row = repo.get_bulletin(session, bulletin_id)
        if not self.delivery.settings.bulletin_sign_off:
            return self._issue(session, row, now, local,
                               (caller or {}).get("user") or "system")
        repo.store_documents(session, bulletin_id, *self._render(session, row))
        log.info("bulletin of the week from %s drawn up for signing: %s", week_start,
                 summary["counts"])
        return repo.bulletin_meta(repo.get_bulletin(session, bulletin_id))

    def _issue(self, session, row, now, local, user):
        """Number, sign and send a bulletin to the leaders."""
        repo.issue_bulletin(session, row.id, local.year, now, user)
        row = repo.get_bulletin(session, row.id)
        repo.store_documents(session, row.id, *self._render(session, row))
        counts = row.summary["counts"]
        self._notify(session, [{
            "event_type": logic.BULLETIN, "item": f"bulletin:{row.week_start.isoformat()}",
            "unit": "leaders", "task": None, "colour": None, "as_of": row.week_start,
            "bulletin_id": row.id,
            "context": {"week_start": row.summary["week_start"],
                        "week_end": row.summary["week_end"],
                        "week_start_words": logic.iso_words(row.summary["week_start"]),
                        "week_end_words": logic.iso_words(row.summary["week_end"]),
                        "red": counts["red"], "overdue": counts["overdue"],
                        "closed": counts["closed"], "unit_name": "领导"},
        }], f"bulletin-{row.week_start.isoformat()}", now, local)
        log.info("bulletin %s年第%s期 (the week from %s) issued by %s", row.year, row.number,
                 row.week_start, user)
        return repo.bulletin_meta(repo.get_bulletin(session, row.id))

