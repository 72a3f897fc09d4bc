"""Reading and writing the warnings service's tables in sets: a batch of tasks is
loaded with one query per table, never one query per task."""
import datetime as dt

from sqlalchemy import func, select

from services.common.db import insert_ignoring_conflicts

from . import logic
from .models import (
    colours,
    notice_sequences,
    notices,
    rule_sets,
    watched_clock_stages,
    watched_commitments,
    watched_extensions,
    watched_targets,
    watched_tasks,
)


def iso(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _only(query, column, codes):
    return query if codes is None else query.where(column.in_(codes))


def load_tasks(session, codes=None):
    """The `logic.Task`s of the given codes (None: every watched task), with their
    targets, clock stages, commitments and extensions: five queries in all."""
    targets, stages, commitments, extensions = {}, {}, {}, {}
    for row in session.execute(_only(select(watched_targets), watched_targets.c.task_code,
                                     codes)):
        targets.setdefault(row.task_code, []).append(
            logic.Target(row.seq, row.due_date, row.planned_percent, row.unit))
    for row in session.execute(_only(select(watched_clock_stages),
                                     watched_clock_stages.c.task_code, codes)):
        stages.setdefault(row.task_code, {})[row.stage] = row.recorded_on
    for row in session.execute(_only(select(watched_commitments),
                                     watched_commitments.c.task_code, codes)
                               .order_by(watched_commitments.c.id)):
        commitments.setdefault(row.task_code, []).append(
            logic.Commitment(row.id, row.unit, row.promised_date, row.status))
    for row in session.execute(_only(select(watched_extensions),
                                     watched_extensions.c.task_code, codes)
                               .order_by(watched_extensions.c.id)):
        key = "task" if row.seq is None else row.seq
        extensions.setdefault(row.task_code, {}).setdefault(key, []).append(row.new_due_date)
    return [
        logic.Task(
            row.code, row.lead_unit, row.status, row.start_date, row.due_date, row.percent,
            targets=tuple(sorted(targets.get(row.code, ()), key=lambda t: t.seq)),
            clock_class=row.clock_class, clock_stages=stages.get(row.code, {}),
            commitments=tuple(commitments.get(row.code, ())),
            last_reported_on=row.last_reported_on, last_progress_on=row.last_progress_on,
            extensions=extensions.get(row.code, {}),
        )
        for row in session.execute(_only(select(watched_tasks), watched_tasks.c.code, codes)
                                   .order_by(watched_tasks.c.code))
    ]


def stored_colours(session, codes=None):
    """{(item_kind, item_key): row} of the stored colours of the given tasks."""
    query = select(colours.c.item_kind, colours.c.item_key, colours.c.colour,
                   colours.c.reason)
    return {(row.item_kind, row.item_key): row
            for row in session.execute(_only(query, colours.c.task_code, codes))}


# Rules ------------------------------------------------------------------------------

def current_rules(session):
    """The rules in force: the highest stored version, else the defaults."""
    row = session.execute(
        select(rule_sets).order_by(rule_sets.c.version.desc()).limit(1)).first()
    if row is None:
        return logic.Rules()
    return logic.Rules.from_dict({**row.rules, "version": row.version})


def rule_set_dict(row):
    return {"version": row.version, "rules": {**row.rules, "version": row.version},
            "created_by": row.created_by, "created_at": iso(row.created_at),
            "note": row.note}


# Notices ----------------------------------------------------------------------------

def next_notice_number(session, year):
    """The next number of a notice in a year, unique however many replicas ask."""
    insert_ignoring_conflicts(session, notice_sequences, [{"year": year, "last": 0}])
    return session.execute(
        notice_sequences.update().where(notice_sequences.c.year == year)
        .values(last=notice_sequences.c.last + 1).returning(notice_sequences.c.last)
    ).scalar_one()


def notice_row(session, notice_id):
    return session.execute(select(notices).where(notices.c.id == notice_id)).first()


def notice_dict(row):
    return {
        "id": row.id, "number": logic.notice_number(row.year, row.number), "year": row.year,
        "sequence": row.number, "task": row.task_code, "unit": row.unit,
        "item_kind": row.item_kind, "item_key": row.item_key, "reason": row.reason,
        "issued_on": iso(row.issued_on), "issued_at": iso(row.issued_at),
        "issued_by": row.issued_by, "ack_due": iso(row.ack_due),
        "answer_due": iso(row.answer_due), "acknowledged_at": iso(row.acknowledged_at),
        "acknowledged_by": row.acknowledged_by, "answer": row.answer,
        "answered_at": iso(row.answered_at), "answered_by": row.answered_by,
        "status": row.status, "colour": row.colour, "closed_at": iso(row.closed_at),
        "closed_by": row.closed_by, "close_reason": row.close_reason,
    }


def list_notices(session, limit, offset, unit=None, status=None, task=None):
    query = select(notices)
    for column, value in ((notices.c.unit, unit), (notices.c.status, status),
                          (notices.c.task_code, task)):
        if value is not None:
            query = query.where(column == value)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(notices.c.id.desc()).limit(limit).offset(offset))
    return {"items": [notice_dict(row) for row in rows], "total": total}
