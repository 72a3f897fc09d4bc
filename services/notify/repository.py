"""Reading and writing the notify service's tables; answers plain dicts."""

from sqlalchemy import bindparam, delete, func, select, update

from services.common.bulk import (
    among,
    insert_ignoring_conflicts,
    insert_many,
    unindexed,
    update_many,
)
from services.common.calendar_copy import CalendarCopy

from . import logic
from .models import (
    bulletin_facts,
    bulletins,
    calendar_years,
    contacts,
    dedup_marks,
    escalations,
    notifications,
    office_rules,
    reminder_deadlines,
    reminder_tasks,
    reminders_sent,
    robots,
    routing_rules,
    templates,
)

CHUNK = 500  # keys per IN (...): far below every driver's parameter limit


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


# Contacts -------------------------------------------------------------------

def save_contacts(session, unit):
    insert_ignoring_conflicts(session, contacts, [
        {"unit": unit["code"], "name": unit["name"], "head": unit["head"],
         "operator": unit["operator"], "kind": unit.get("kind")}])


def update_contacts(session, unit):
    """A unit's name and contacts as they now stand: the next message uses them."""
    values = {"name": unit["name"], "head": unit["head"], "operator": unit["operator"]}
    if unit.get("kind"):
        values["kind"] = unit["kind"]
    if not session.execute(contacts.update().where(contacts.c.unit == unit["code"])
                           .values(**values)).rowcount:
        save_contacts(session, unit)


def unit_names(session, codes):
    return dict(session.execute(
        select(contacts.c.unit, contacts.c.name).where(contacts.c.unit.in_(codes))).all())


def all_contacts(session):
    return {row.unit: {"name": row.name, "head": row.head, "operator": row.operator,
                       "kind": row.kind}
            for row in session.execute(select(contacts)).all()}


# Work-group robots ------------------------------------------------------------

def save_robot(session, unit, channel, url, secret, user, now):
    session.execute(delete(robots).where(robots.c.unit == unit)
                    .where(robots.c.channel == channel))
    session.execute(robots.insert().values(unit=unit, channel=channel, url=url, secret=secret,
                                           updated_at=now, updated_by=user))


def delete_robot(session, unit, channel):
    """Forget a unit's robot; answers whether it had one."""
    return session.execute(delete(robots).where(robots.c.unit == unit)
                           .where(robots.c.channel == channel)).rowcount > 0


def robot_units(session):
    """{channel: {unit codes with a robot on it}}."""
    answer = {}
    for unit, channel in session.execute(select(robots.c.unit, robots.c.channel)).all():
        answer.setdefault(channel, set()).add(unit)
    return answer


def robots_of(session, units):
    """{(unit, channel): {url, secret}} of `units`."""
    answer = {}
    for chunk in _chunks(set(units)):
        for row in session.execute(select(robots).where(robots.c.unit.in_(chunk))).all():
            answer[(row.unit, row.channel)] = {"url": row.url, "secret": row.secret}
    return answer


def list_robots(session, unit=None):
    """Every unit's robots (with their secrets: the caller masks them)."""
    query = (select(robots, contacts.c.name)
             .join(contacts, contacts.c.unit == robots.c.unit, isouter=True)
             .order_by(robots.c.unit, robots.c.channel))
    if unit is not None:
        query = query.where(robots.c.unit == unit)
    return [dict(row._mapping) for row in session.execute(query).all()]


def unit_known(session, unit):
    return session.execute(select(contacts.c.unit).where(contacts.c.unit == unit)).first() \
        is not None


# Rules and templates ----------------------------------------------------------

def load_rules(session):
    """The routing rules in order; the defaults until someone sets them."""
    rows = session.execute(select(routing_rules).order_by(routing_rules.c.position)).all()
    if not rows:
        return logic.validate_rules(logic.DEFAULT_RULES)
    return [{"position": row.position, "event_type": row.event_type, "colour": row.colour,
             "unit": row.unit, "role": row.role, "channels": row.channels,
             "quiet_hours": row.quiet_hours, "enabled": row.enabled,
             "days_before": row.days_before} for row in rows]


def replace_rules(session, rules):
    session.execute(delete(routing_rules))
    if rules:
        session.execute(routing_rules.insert(), rules)


def load_templates(session):
    """{(event_type, channel): {subject, body, updated_at, updated_by}}: the
    defaults, overridden by those stored."""
    answer = {key: {**value, "updated_at": None, "updated_by": None}
              for key, value in logic.DEFAULT_TEMPLATES.items()}
    for row in session.execute(select(templates)).all():
        answer[(row.event_type, row.channel)] = {
            "subject": row.subject, "body": row.body,
            "updated_at": row.updated_at.isoformat(), "updated_by": row.updated_by}
    return answer


def save_template(session, template, user, now):
    session.execute(delete(templates).where(templates.c.event_type == template["event_type"])
                    .where(templates.c.channel == template["channel"]))
    session.execute(templates.insert().values(**template, updated_at=now, updated_by=user))


# De-duplication -------------------------------------------------------------

def recent_keys(session, keys, since):
    """Those of `keys` heard at or after `since`."""
    found = set()
    for chunk in _chunks(set(keys)):
        found.update(session.execute(
            select(dedup_marks.c.key).where(dedup_marks.c.key.in_(chunk))
            .where(dedup_marks.c.last_at >= since)).scalars())
    return found


def forget_keys(session, keys):
    """Forget that `keys` were heard: their messages were dropped unsent, so the
    next warning of the same item and colour is news."""
    for chunk in _chunks(set(keys)):
        session.execute(delete(dedup_marks).where(dedup_marks.c.key.in_(chunk)))


def mark_keys(session, keys, now):
    keys = set(keys)
    for chunk in _chunks(keys):
        session.execute(delete(dedup_marks).where(dedup_marks.c.key.in_(chunk)))
    if keys:
        session.execute(dedup_marks.insert(), [{"key": key, "last_at": now} for key in keys])


# Notifications ----------------------------------------------------------------

def save_notifications(session, rows):
    """Keep the rows (their dedup_key is not a column)."""
    if rows:
        session.execute(notifications.insert(), [
            {key: value for key, value in row.items() if key != "dedup_key"} for row in rows])


def notification_dict(row):
    return {
        "id": row.id, "channel": row.channel, "recipient": row.recipient,
        "unit": row.unit, "task": row.task, "subject": row.subject, "body": row.body,
        "status": row.status, "created_at": row.created_at.isoformat(),
        "event_type": row.event_type or logic.COLOUR_CHANGED, "item": row.item,
        "colour": row.colour, "role": row.role, "level": row.level, "items": row.items,
        "attempts": row.attempts, "provider_answer": row.provider_answer,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "read_at": row.read_at.isoformat() if row.read_at else None,
        "dropped_reason": row.dropped_reason,
    }


def _listing(session, query, limit, offset):
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    # Ids grow with every insert, so the highest is the newest.
    rows = session.execute(
        query.order_by(notifications.c.id.desc()).limit(limit).offset(offset)).all()
    return {"items": [notification_dict(row) for row in rows], "total": total}


def list_notifications(session, limit, offset, **filters):
    query = select(notifications)
    for name, value in filters.items():
        if value is not None:
            query = query.where(notifications.c[name] == value)
    return _listing(session, query, limit, offset)


def list_inbox(session, limit, offset, unit=None, user=None, unread=None):
    # A held message (pending) or one dropped unsent is nobody's news.
    query = (select(notifications).where(notifications.c.channel == logic.INBOX)
             .where(notifications.c.status == logic.DELIVERED))
    owners = [value for value in (unit, user) if value]
    if owners:
        query = query.where(notifications.c.recipient.in_(owners))
    if unread is not None:
        query = query.where(notifications.c.read_at.is_(None) if unread
                            else notifications.c.read_at.is_not(None))
    return _listing(session, query, limit, offset)


def get_notification(session, notification_id):
    return session.execute(
        select(notifications).where(notifications.c.id == notification_id)).first()


def inbox_rows(session, ids):
    return session.execute(select(notifications).where(notifications.c.id.in_(ids))
                           .where(notifications.c.channel == logic.INBOX)).all()


def mark_read(session, ids, user, now):
    if not ids:
        return 0
    return session.execute(
        update(notifications).where(notifications.c.id.in_(ids))
        .where(notifications.c.read_at.is_(None)).values(read_at=now, read_by=user)).rowcount


# The delivery queue -------------------------------------------------------------

def claim_due(session, holder, now, lease_until, batch):
    """Claim up to `batch` due pending rows for `holder` and answer them. The
    UPDATE re-checks status='pending', so a row another replica claimed meanwhile
    is not taken twice; rows whose claim outlived its lease (a crashed replica)
    come back first."""
    session.execute(
        update(notifications).where(notifications.c.status == logic.SENDING)
        .where(notifications.c.claimed_until < now)
        .values(status=logic.PENDING, claimed_by=None, claimed_until=None))
    ids = session.execute(
        select(notifications.c.id).where(notifications.c.status == logic.PENDING)
        .where(notifications.c.next_attempt_at <= now)
        .order_by(notifications.c.next_attempt_at, notifications.c.id).limit(batch)).scalars().all()
    if not ids:
        return []
    session.execute(
        update(notifications).where(notifications.c.status == logic.PENDING)
        .where(notifications.c.id.in_(ids))
        .values(status=logic.SENDING, claimed_by=holder, claimed_until=lease_until))
    rows = session.execute(
        select(notifications).where(notifications.c.id.in_(ids))
        .where(notifications.c.claimed_by == holder)
        .where(notifications.c.status == logic.SENDING)).all()
    return [dict(row._mapping) for row in rows]


def record_outcomes(session, outcomes):
    """outcomes: [{id, status, attempts, next_attempt_at, sent_at, provider_answer}]."""
    if not outcomes:
        return
    session.execute(
        update(notifications).where(notifications.c.id == bindparam("b_id"))
        .values(status=bindparam("b_status"), attempts=bindparam("b_attempts"),
                next_attempt_at=bindparam("b_next"), sent_at=bindparam("b_sent"),
                provider_answer=bindparam("b_answer"), claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False),
        [{"b_id": o["id"], "b_status": o["status"], "b_attempts": o["attempts"],
          "b_next": o["next_attempt_at"], "b_sent": o["sent_at"],
          "b_answer": o["provider_answer"]} for o in outcomes])


def held_colour_warnings(session, items):
    """The colour warnings not yet sent (pending: settling, held for a new task's
    first report, in quiet hours or waiting to be retried) of `items`, and every
    pending digest that stands for some: [dict]."""
    rows = []
    for chunk in _chunks(items):
        rows += session.execute(
            select(notifications).where(notifications.c.status == logic.PENDING)
            .where(notifications.c.event_type == logic.COLOUR_CHANGED)
            .where(notifications.c.item.in_(chunk))).all()
    # Digests are few (one per recipient and evaluation past the threshold).
    # Only rows still to be sent have a next attempt: its index narrows the search.
    rows += session.execute(
        select(notifications).where(notifications.c.next_attempt_at.is_not(None))
        .where(notifications.c.status == logic.PENDING)
        .where(notifications.c.event_type == logic.DIGEST)
        .where(notifications.c.members.is_not(None))).all()
    return [dict(row._mapping) for row in rows]


def held_forecast_warnings(session, items):
    """The forecast messages (forecast_turned_red) of `items` not yet sent."""
    rows = []
    for chunk in _chunks(items):
        rows += session.execute(
            select(notifications).where(notifications.c.status == logic.PENDING)
            .where(notifications.c.event_type == logic.FORECAST_TURNED_RED)
            .where(notifications.c.item.in_(chunk))).all()
    return [dict(row._mapping) for row in rows]


def drop_notifications(session, drops):
    """drops: [{id, dropped_reason, provider_answer}]: never to be sent. Only rows
    still pending are dropped (one a sender claimed meanwhile goes out)."""
    if drops:
        session.execute(
            update(notifications).where(notifications.c.id == bindparam("b_id"))
            .where(notifications.c.status == logic.PENDING)
            .values(status=logic.DROPPED, dropped_reason=bindparam("b_reason"),
                    provider_answer=bindparam("b_answer"), next_attempt_at=None)
            .execution_options(synchronize_session=False),
            [{"b_id": d["id"], "b_reason": d["dropped_reason"],
              "b_answer": d["provider_answer"]} for d in drops])


def shrink_digest(session, row_id, members, items, subject, body):
    """A held digest without the members that recovered."""
    session.execute(update(notifications).where(notifications.c.id == row_id)
                    .where(notifications.c.status == logic.PENDING)
                    .values(members=members, items=items, subject=subject, body=body))


# Escalations ------------------------------------------------------------------

def open_escalation(session, item, unit, task, label, level, next_at, now):
    """Start the ladder for `item` unless one runs for it already (a stopped or
    finished ladder starts again: the item went red, or a new notice came)."""
    open_escalations(session, [{"item": item, "unit": unit, "task": task, "label": label,
                                "level": level, "next_at": next_at}], now)


def open_escalations(session, ladders, now):
    """open_escalation for each of `ladders` ([{item, unit, task, label, level,
    next_at}]; of an item named twice the first counts) in three statements: an
    evaluation turns hundreds of tasks red at once, and two statements a ladder,
    each built and compiled anew, were nearly half of notify's time over such an
    event (300 ladders: 77 → 5 ms, bench/RESULTS.md)."""
    first = {}
    for ladder in ladders:
        first.setdefault(ladder["item"], ladder)
    if not first:
        return
    e = escalations.c
    existing = {item: (id_, status, history) for id_, item, status, history in session.execute(
        select(e.id, e.item, e.status, e.history).where(among(session, e.item, list(first))))}

    insert_many(session, escalations, [
        {"item": item, "unit": ladder["unit"], "task": ladder["task"],
         "label": ladder["label"], "level": ladder["level"], "next_at": ladder["next_at"],
         "status": "open", "history": [_ladder_step(ladder["level"], now, "opened")],
         "created_at": now, "updated_at": now}
        for item, ladder in first.items() if item not in existing])
    update_many(session, update(escalations).where(e.id == bindparam("b_id")).values(
        level=bindparam("b_level"), next_at=bindparam("b_next_at"),
        status=bindparam("b_status"), stopped_reason=bindparam("b_reason"),
        stopped_by=bindparam("b_by"), history=bindparam("b_history"),
        updated_at=bindparam("b_now")), [
        {"b_id": id_, "b_level": first[item]["level"], "b_next_at": first[item]["next_at"],
         "b_status": "open", "b_reason": None, "b_by": None,
         "b_history": history + [_ladder_step(first[item]["level"], now, "opened")],
         "b_now": now}
        for item, (id_, status, history) in existing.items() if status != "open"])


def stop_escalations(session, items, reason, now, by=None):
    """Stop the open ladders of `items` for `reason` (a code, as logic.ACKNOWLEDGED), by the
    user `by` when one acted; answers the items stopped. Two statements however
    many."""
    items = list(items)
    if not items:
        return []
    e = escalations.c
    rows = session.execute(select(e.id, e.item, e.level, e.history)
                           .where(among(session, e.item, items))
                           .where(e.status == "open")).all()
    update_many(session, update(escalations).where(e.id == bindparam("b_id")).values(
        status=bindparam("b_status"), next_at=bindparam("b_next_at"),
        stopped_reason=bindparam("b_reason"), stopped_by=bindparam("b_by"),
        updated_at=bindparam("b_now"), history=bindparam("b_history")), [
        {"b_id": row.id, "b_status": "stopped", "b_next_at": None, "b_reason": reason,
         "b_by": by and by[:64],
         "b_now": now, "b_history": row.history + [_ladder_step(row.level, now,
                                                               f"stopped: {reason}")]}
        for row in rows])
    return [row.item for row in rows]


def _ladder_step(level, now, what):
    """An entry of a ladder's history: what happened to it at which level."""
    return {"level": level, "role": logic.LADDER[level], "at": now.isoformat(), "what": what}


def due_escalations(session, now, batch=500):
    return session.execute(select(escalations).where(escalations.c.status == "open")
                           .where(escalations.c.next_at <= now)
                           .order_by(escalations.c.next_at).limit(batch)).all()


def climb_escalation(session, row, step, now):
    """Move `row` up one level unless another replica did: True when this call did."""
    entry = {"level": step["level"], "role": step["role"], "at": now.isoformat(),
             "what": "escalated"}
    return session.execute(
        update(escalations).where(escalations.c.id == row.id)
        .where(escalations.c.level == row.level).where(escalations.c.status == "open")
        .values(level=step["level"], next_at=step["next_at"], status=step["status"],
                history=row.history + [entry], updated_at=now)).rowcount == 1


def escalation_dict(row):
    return {"id": row.id, "item": row.item, "unit": row.unit, "task": row.task,
            "label": row.label, "level": row.level, "role": logic.LADDER[row.level],
            "status": row.status, "stopped_reason": row.stopped_reason,
            "stopped_by": row.stopped_by,
            "next_at": row.next_at.isoformat() if row.next_at else None,
            "history": row.history, "created_at": row.created_at.isoformat()}


def list_escalations(session, limit, offset, status=None, unit=None, item=None):
    query = select(escalations)
    for column, value in ((escalations.c.status, status), (escalations.c.unit, unit),
                          (escalations.c.item, item)):
        if value is not None:
            query = query.where(column == value)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(escalations.c.id.desc()).limit(limit)
                           .offset(offset)).all()
    return {"items": [escalation_dict(row) for row in rows], "total": total}


# The bulletin -------------------------------------------------------------------

def save_facts(session, facts):
    insert_ignoring_conflicts(session, bulletin_facts, facts)


def replace_fact_detail(session, kind, key, detail):
    """Replace the detail of the fact (`kind`, `key`) on whichever day it was
    noted; answers how many facts there were."""
    return session.execute(bulletin_facts.update().where(bulletin_facts.c.kind == kind)
                           .where(bulletin_facts.c.key == key)
                           .values(detail=detail)).rowcount


def verification_facts_until(session, last):
    """The 复核 facts (logic.VERIFY_KINDS) up to `last`, every week's: a request
    still waiting may be older than the week."""
    rows = session.execute(select(bulletin_facts).where(bulletin_facts.c.day <= last)
                           .where(bulletin_facts.c.kind.in_(logic.VERIFY_KINDS))).all()
    return [dict(row._mapping) for row in rows]


def facts_between(session, first, last):
    rows = session.execute(select(bulletin_facts).where(bulletin_facts.c.day >= first)
                           .where(bulletin_facts.c.day <= last)).all()
    return [dict(row._mapping) for row in rows]


def extension_facts_until(session, last):
    """The facts of extension requests and decisions up to `last`, every week's:
    the bulletin counts the requests still pending."""
    rows = session.execute(select(bulletin_facts)
                           .where(bulletin_facts.c.kind.in_(("ext_requested", "ext_decided")))
                           .where(bulletin_facts.c.day <= last)).all()
    return [dict(row._mapping) for row in rows]


def bulletin_of_week(session, week_start):
    return session.execute(select(bulletins).where(bulletins.c.week_start == week_start)).first()


def save_draft(session, week_start, summary, now):
    """Keep the week's bulletin as a draft, replacing an earlier draft (never an
    issued one: the callers refuse that first); answers its id. Its documents are
    stored next (store_documents), drawn from the row."""
    existing = bulletin_of_week(session, week_start)
    values = {"generated_at": now, "summary": summary, "status": "draft"}
    if existing is not None:
        session.execute(update(bulletins).where(bulletins.c.id == existing.id)
                        .where(bulletins.c.status == "draft").values(**values))
        return existing.id
    return session.execute(bulletins.insert().values(week_start=week_start, html="", pdf=b"",
                                                     **values)
                           .returning(bulletins.c.id)).scalar()


def store_documents(session, bulletin_id, html, pdf, docx):
    session.execute(update(bulletins).where(bulletins.c.id == bulletin_id)
                    .values(html=html, pdf=pdf, docx=docx))


def issue_bulletin(session, bulletin_id, year, now, user):
    """Sign a draft: the next number of `year`. The unique (year, number) stops
    two offices' clerks signing two bulletins under one number at once."""
    number = (session.execute(select(func.max(bulletins.c.number))
                              .where(bulletins.c.year == year)).scalar() or 0) + 1
    session.execute(update(bulletins).where(bulletins.c.id == bulletin_id)
                    .values(status="issued", year=year, number=number, issued_at=now,
                            issued_by=user))


def bulletin_meta(row):
    return {"id": row.id, "week_start": row.week_start.isoformat(),
            "generated_at": row.generated_at.isoformat(), "status": row.status,
            "year": row.year, "number": row.number,
            "issue": f"{row.year}年第{row.number}期" if row.number else None,
            "issued_at": row.issued_at and row.issued_at.isoformat(),
            "issued_by": row.issued_by, "summary": row.summary}


def list_bulletins(session, limit, offset):
    total = session.execute(select(func.count()).select_from(bulletins)).scalar()
    drafts = session.execute(select(func.count()).select_from(bulletins)
                             .where(bulletins.c.status == "draft")).scalar()
    rows = session.execute(
        select(bulletins.c.id, bulletins.c.week_start, bulletins.c.generated_at,
               bulletins.c.status, bulletins.c.year, bulletins.c.number,
               bulletins.c.issued_at, bulletins.c.issued_by,
               bulletins.c.summary).order_by(bulletins.c.week_start.desc())
        .limit(limit).offset(offset)).all()
    return {"items": [bulletin_meta(row) for row in rows], "rows": rows, "total": total,
            "drafts": drafts}


def get_bulletin(session, bulletin_id):
    return session.execute(select(bulletins).where(bulletins.c.id == bulletin_id)).first()


# The escalation grace and the bulletin count working days by this copy.
CALENDAR = CalendarCopy(calendar_years)


# Reminders before deadlines ------------------------------------------------------

def save_reminder_tasks(session, tasks, known):
    """Keep tasks as the tasks service now describes them ({task, title,
    lead_unit, status, start_date, clock_class}), their reports and stages kept:
    one update of those already `known` (their codes) and one insert of the
    others, however many (an import's slice is hundreds)."""
    keys = ("title", "lead_unit", "status", "start_date", "clock_class")
    t = reminder_tasks.c
    update_many(session, reminder_tasks.update().where(t.task == bindparam("b_task")).values(
        **{key: bindparam(f"b_{key}") for key in keys}),
        [{"b_task": task["task"], **{f"b_{key}": task[key] for key in keys}}
         for task in tasks if task["task"] in known])
    insert_many(session, reminder_tasks, [
        {"task": task["task"], "stages": [], **{key: task[key] for key in keys}}
        for task in tasks if task["task"] not in known])


def reminder_percents(session, codes):
    """{task: its last reported percentage} of the kept tasks among `codes`: one read."""
    t = reminder_tasks.c
    return dict(session.execute(select(t.task, t.percent)
                                .where(among(session, t.task, list(codes)))).all())


def task_titles(session, codes):
    """{code: title} of the given tasks notify has heard of (task_created)."""
    if not codes:
        return {}
    return dict(session.execute(select(reminder_tasks.c.task, reminder_tasks.c.title)
                                .where(among(session, reminder_tasks.c.task, sorted(codes)))).all())


def reminder_task(session, code):
    row = session.execute(select(reminder_tasks).where(reminder_tasks.c.task == code)).first()
    return dict(row._mapping) if row else None


def set_task_status(session, code, status):
    session.execute(update(reminder_tasks).where(reminder_tasks.c.task == code)
                    .values(status=status))
    session.execute(update(reminder_deadlines).where(reminder_deadlines.c.task == code)
                    .where(reminder_deadlines.c.kind == logic.REMIND_TARGET).values(done=True))


def record_reports(session, last):
    """Each task's last report of a batch ({task: (percent, received_on)}): its
    percentage, and the targets it meets done (a correction below a target's
    plan makes it due again). Two statements however many tasks."""
    t, d = reminder_tasks.c, reminder_deadlines.c
    update_many(session, reminder_tasks.update().where(t.task == bindparam("b_task")).values(
        percent=bindparam("b_percent"), last_received_on=bindparam("b_on")),
        [{"b_task": code, "b_percent": percent, "b_on": on}
         for code, (percent, on) in last.items()])
    # Each target against its task's percentage as just stored, and only those
    # whose state changes are written: a report leaves most of its task's targets
    # as they were. The percentage is looked up per target by its task's key
    # rather than joined: joining the batch's tasks to their targets left
    # PostgreSQL's plan to its estimates, and with none yet (autovacuum off or not
    # yet round) it scanned every deadline once per task, 5 s a batch. Reading the
    # targets into Python to compare them was most of a batch's time here.
    percent = select(t.percent).where(t.task == d.task).scalar_subquery()
    met = d.planned_percent <= percent
    session.execute(update(reminder_deadlines).where(
        unindexed(d.kind) == logic.REMIND_TARGET, among(session, d.task, list(last)),
        d.planned_percent.is_not(None), d.done != met).values(done=met))


def record_stage(session, code, stage):
    row = reminder_task(session, code)
    if row is not None and stage not in row["stages"]:
        session.execute(update(reminder_tasks).where(reminder_tasks.c.task == code)
                        .values(stages=row["stages"] + [stage]))


def replace_targets(session, codes, deadlines):
    """The target deadlines of the tasks `codes` are now `deadlines`
    (reminders.target_deadlines with planned_percent in their context): one
    delete and one insert however many tasks."""
    session.execute(delete(reminder_deadlines)
                    .where(among(session, reminder_deadlines.c.task, list(codes)))
                    .where(unindexed(reminder_deadlines.c.kind) == logic.REMIND_TARGET))
    _insert_deadlines(session, deadlines)


def save_deadlines(session, deadlines):
    for deadline in deadlines:
        session.execute(delete(reminder_deadlines)
                        .where(reminder_deadlines.c.kind == deadline["kind"])
                        .where(reminder_deadlines.c.item == deadline["item"]))
    _insert_deadlines(session, deadlines)


def _insert_deadlines(session, deadlines):
    # Through the driver's own executemany (SQLAlchemy's built each of an
    # import's thousands of parameter sets in Python).
    insert_many(session, reminder_deadlines, [
        {"kind": d["kind"], "item": d["item"], "due": d["due"], "unit": d["unit"],
         "task": d["task"], "planned_percent": d.get("planned_percent"),
         "done": d["done"], "context": {**d["context"], "title": d["title"]}}
        for d in deadlines])


def move_deadline(session, kind, item, due):
    session.execute(update(reminder_deadlines).where(reminder_deadlines.c.kind == kind)
                    .where(reminder_deadlines.c.item == item).values(due=due))


def deadlines_done(session, kinds, item):
    session.execute(update(reminder_deadlines).where(reminder_deadlines.c.kind.in_(kinds))
                    .where(reminder_deadlines.c.item == item).values(done=True))


def open_deadlines(session, first, last):
    """The stored deadlines not done falling due from `first` to `last`."""
    rows = session.execute(select(reminder_deadlines)
                           .where(reminder_deadlines.c.due >= first)
                           .where(reminder_deadlines.c.due <= last)
                           .where(reminder_deadlines.c.done.is_(False))).all()
    return [{"kind": row.kind, "item": row.item, "due": row.due, "unit": row.unit,
             "task": row.task, "title": row.context.get("title") or row.task or "",
             "done": row.done, "context": row.context} for row in rows]


def open_tasks(session):
    """The tasks not finished, as reminders.report_deadlines and stage_deadlines
    read them."""
    rows = session.execute(select(reminder_tasks).where(
        reminder_tasks.c.status.notin_(("closed", "explained", "cancelled")))).all()
    return [dict(row._mapping) for row in rows]


def sent_keys(session, keys):
    found = set()
    for chunk in _chunks(set(keys)):
        found.update(session.execute(select(reminders_sent.c.key)
                                     .where(reminders_sent.c.key.in_(chunk))).scalars())
    return found


def claim_reminder(session, reminder, now):
    """True for exactly one caller per reminder key."""
    return insert_ignoring_conflicts(session, reminders_sent, [{
        "key": reminder["key"], "kind": reminder["kind"], "item": reminder["item"],
        "due": reminder["due"], "unit": reminder["unit"], "sent_at": now}]) == 1


def load_office_rules(session):
    row = session.execute(select(office_rules.c.rules).where(office_rules.c.id == 1)).first()
    return row.rules if row else {}


def save_office_rules(session, version, rules):
    session.execute(delete(office_rules))
    session.execute(office_rules.insert().values(id=1, version=version, rules=rules))


def list_deadlines(session, limit, offset, unit=None, task=None):
    query = select(reminder_deadlines)
    for column, value in ((reminder_deadlines.c.unit, unit), (reminder_deadlines.c.task, task)):
        if value is not None:
            query = query.where(column == value)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(reminder_deadlines.c.due, reminder_deadlines.c.item,
                                          reminder_deadlines.c.kind)
                           .limit(limit).offset(offset)).all()
    keys = {f"{row.kind}|{row.item}|{row.due.isoformat()}": row for row in rows}
    reminded = sent_keys(session, keys)
    return {"items": [{"kind": row.kind, "item": row.item, "due": row.due.isoformat(),
                       "unit": row.unit, "task": row.task,
                       "title": row.context.get("title") or "", "done": row.done,
                       "reminded": key in reminded} for key, row in keys.items()],
            "total": total}


def move_task(session, code, lead_unit, into, seqs):
    """A merged unit's task: its new lead unit, and the targets `into` now owns."""
    session.execute(update(reminder_tasks).where(reminder_tasks.c.task == code)
                    .values(lead_unit=lead_unit))
    items = [f"target:{code}:{seq}" for seq in seqs]
    if items:
        session.execute(update(reminder_deadlines)
                        .where(reminder_deadlines.c.kind == logic.REMIND_TARGET)
                        .where(reminder_deadlines.c.item.in_(items)).values(unit=into))


def set_last_received(session, code, received_on):
    session.execute(update(reminder_tasks).where(reminder_tasks.c.task == code)
                    .values(last_received_on=received_on))
