"""Reading and writing the warnings service's tables in sets: a batch of tasks is
loaded with one query per table, never one query per task."""
import functools
from typing import NamedTuple

from sqlalchemy import bindparam, func, select

from services.common.bulk import among, insert_ignoring_conflicts
from services.common.clock import iso, utc_iso
from services.common.rule_versions import RuleVersions
from services.common.workdays import OFFICE, Year

from . import logic
from .models import (
    calendar_versions,
    calendar_years,
    colour_history,
    colours,
    notice_deadline_moves,
    notice_sequences,
    notices,
    rule_sets,
    watched_clock_stages,
    watched_commitments,
    watched_extensions,
    watched_targets,
    watched_tasks,
)


def load_tasks(session, codes, known_targets=None):
    """The `logic.Task`s of the given codes (an evaluation of every task passes
    them a chunk at a time), with their targets, clock stages, commitments and
    extensions: five queries at most.

    known_targets ({code: targets}, KnownTargets) holds the targets read before:
    only the tasks missing from it have theirs read, and are added to it.
    """
    # Rows are fetched whole (`.all()`, one fetchall) and read by position: at a
    # city's scale this halves the time of a full re-evaluation's reading.
    w = watched_tasks.c
    rows = _rows(session, select(
        w.code, w.lead_unit, w.status, w.start_date, w.due_date, w.percent,
        w.clock_class, w.last_reported_on, w.last_progress_on, w.created_on)
        .order_by(w.code), w.code, codes)
    targets = {} if known_targets is None else known_targets
    missing = [row[0] for row in rows if row[0] not in targets]
    if missing:
        found = _targets(session, missing)
        for code in missing:
            targets[code] = found.get(code, ())
    stages, commitments, extensions = {}, {}, {}
    s = watched_clock_stages.c
    for code, stage, recorded_on in _rows(session, select(
            s.task_code, s.stage, s.recorded_on), s.task_code, codes):
        stages.setdefault(code, {})[stage] = recorded_on
    c = watched_commitments.c
    for code, id_, unit, promised, status in _rows(session, select(
            c.task_code, c.id, c.unit, c.promised_date, c.status).order_by(c.id),
            c.task_code, codes):
        commitments.setdefault(code, []).append(logic.Commitment(id_, unit, promised, status))
    e = watched_extensions.c
    for code, seq, new_due in _rows(session, select(
            e.task_code, e.seq, e.new_due_date).order_by(e.id), e.task_code, codes):
        key = "task" if seq is None else seq
        extensions.setdefault(code, {}).setdefault(key, []).append(new_due)
    return [
        logic.Task(
            code, lead_unit, status, start_date, due_date, percent,
            targets=targets.get(code, ()), clock_class=clock_class,
            clock_stages=stages.get(code, {}), commitments=tuple(commitments.get(code, ())),
            last_reported_on=last_reported_on, last_progress_on=last_progress_on,
            extensions=extensions.get(code, {}), created_on=created_on,
        )
        for (code, lead_unit, status, start_date, due_date, percent, clock_class,
             last_reported_on, last_progress_on, created_on) in rows
    ]


def _targets(session, codes):
    """{code: (Target, ...)} of the given tasks that have targets."""
    t = watched_targets.c
    found = {}
    for code, seq, due, planned, unit in _rows(session, select(
            t.task_code, t.seq, t.due_date, t.planned_percent, t.unit)
            .order_by(t.task_code, t.seq), t.task_code, codes):
        found.setdefault(code, []).append(
            logic.Target(seq, _shared(due), _shared(planned), _shared(unit)))
    return {code: tuple(items) for code, items in found.items()}


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _shared(value):
    """The first of equal values (a day, a percentage, a unit): a city's 135,000
    targets repeat a few hundred of each, and KnownTargets keeps them for the life
    of the process, so each is kept once (a third of their memory)."""
    return value


def _rows(session, query, column, codes):
    return session.execute(query.where(among(session, column, codes))).tuples().all()


class Stored(NamedTuple):
    """An item's colour as the last evaluation stored it."""

    colour: str
    reason: str
    since: object  # dt.date


def stored_colours(session, codes):
    """{(item_kind, item_key): Stored} of the stored colours of the given tasks."""
    c = colours.c
    query = select(c.item_kind, c.item_key, c.colour, c.reason, c.since)
    return {(kind, key): Stored(colour, reason, since)
            for kind, key, colour, reason, since in _rows(session, query, c.task_code, codes)}


def red_tasks(session, limit):
    """The stored colours of the first `limit` tasks to turn red (oldest first),
    each with its task's percentage."""
    c = colours.c
    return session.execute(
        select(colours, watched_tasks.c.percent)
        .join(watched_tasks, watched_tasks.c.code == c.task_code)
        .where(c.item_kind == "task", c.colour == logic.RED)
        .order_by(c.since, c.item_key).limit(limit)).all()


def colour_counts_on(session, day):
    """{colour: tasks} as the history has them at the end of `day`: each task's
    latest change (in the order stored) judged as of that day or before. Set-based:
    one query, whatever the number of tasks."""
    latest = (select(colour_history.c.colour, func.row_number().over(
        partition_by=colour_history.c.task_code,
        order_by=colour_history.c.id.desc()).label("newest"))
        .where(colour_history.c.item_kind == "task")
        .where(colour_history.c.as_of <= day)).subquery()
    rows = session.execute(select(latest.c.colour, func.count())
                           .where(latest.c.newest == 1).group_by(latest.c.colour))
    return dict(rows.all())


# Rules ------------------------------------------------------------------------------

RULES = RuleVersions(rule_sets, logic.Rules)


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
        "calendar_note": row.calendar_note or None,
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


def deadline_moves(session, notice_ids):
    """{notice id: [{deadline, before, after, calendar_year, calendar_version,
    moved_at}]}, oldest first."""
    m = notice_deadline_moves.c
    moves = {}
    for row in session.execute(select(notice_deadline_moves)
                               .where(among(session, m.notice_id, notice_ids))
                               .order_by(m.id)).all():
        moves.setdefault(row.notice_id, []).append({
            "deadline": row.deadline, "before": iso(row.before), "after": iso(row.after),
            "calendar_year": row.calendar_year, "calendar_version": row.calendar_version,
            "moved_at": utc_iso(row.moved_at)})
    return moves


def pending_notices(session):
    """The notices still waiting on the unit (open or acknowledged)."""
    return session.execute(select(notices).where(
        notices.c.status.in_((logic.NOTICE_OPEN, logic.NOTICE_ACKNOWLEDGED)))).all()


def move_notice_deadlines(session, moves, year, version, now):
    """Store the new deadlines of notices and the record of each move: `moves` is
    [(notice row, ack_due, answer_due, calendar note)]."""
    if moves:  # a few open notices: a plain executemany
        session.execute(notices.update().where(notices.c.id == bindparam("b_id")).values(
            ack_due=bindparam("b_ack"), answer_due=bindparam("b_answer"),
            calendar_note=bindparam("b_note")),
            [{"b_id": row.id, "b_ack": ack, "b_answer": answer, "b_note": note or None}
             for row, ack, answer, note in moves])
    records = [{"notice_id": row.id, "deadline": name, "before": before, "after": after,
                "calendar_year": year, "calendar_version": version, "moved_at": now}
               for row, ack, answer, _ in moves
               for name, before, after in (("ack_due", row.ack_due, ack),
                                           ("answer_due", row.answer_due, answer))
               if before != after]
    if records:
        session.execute(notice_deadline_moves.insert(), records)
    return records


# The calendar the office keeps ------------------------------------------------------

def calendar_revision(session):
    """A number that grows with every change of the office's calendar (0: none)."""
    return session.execute(select(func.coalesce(func.max(calendar_versions.c.id), 0))).scalar()


def office_years(session):
    """The `Year`s the office entered, each in its version in force."""
    return [Year.from_dict({"year": row.year, "holidays": row.holidays,
                            "workdays": row.workdays, "version": row.version}, OFFICE)
            for row in session.execute(select(calendar_years)).all()]


def office_changed_at(session):
    """{year: when the office last changed it (ISO)} of the years it entered."""
    return {year: utc_iso(at) for year, at in session.execute(
        select(calendar_years.c.year, calendar_years.c.changed_at)).all()}


def office_year(session, year):
    """The stored row of a year the office entered, or None."""
    return session.execute(select(calendar_years).where(calendar_years.c.year == year)).first()


def store_calendar_year(session, entry, note, user, now):
    """Keep a new version of a year the office entered (`entry`, a Year); answers
    the version number."""
    before = office_year(session, entry.year)
    version = (before.version if before else 0) + 1
    data = entry.to_dict()
    values = {"version": version, "holidays": data["holidays"], "workdays": data["workdays"],
              "note": note, "changed_by": user, "changed_at": now}
    if before is None:
        session.execute(calendar_years.insert().values(year=entry.year, **values))
    else:
        session.execute(calendar_years.update().where(calendar_years.c.year == entry.year)
                        .values(**values))
    session.execute(calendar_versions.insert().values(year=entry.year, **values))
    return version


def record_calendar_effect(session, year, version, effect):
    session.execute(calendar_versions.update()
                    .where(calendar_versions.c.year == year)
                    .where(calendar_versions.c.version == version).values(effect=effect))


def calendar_history(session, year):
    """Every version the office entered of a year, newest first."""
    rows = session.execute(select(calendar_versions).where(calendar_versions.c.year == year)
                           .order_by(calendar_versions.c.version.desc())).all()
    return [{"version": row.version, "holidays": row.holidays, "workdays": row.workdays,
             "note": row.note, "changed_by": row.changed_by,
             "changed_at": utc_iso(row.changed_at), "effect": row.effect} for row in rows]


def mark_unjudged(session, problems):
    """Record why each task of `problems` ({code: text}) could not be judged."""
    if problems:
        session.execute(watched_tasks.update().where(watched_tasks.c.code == bindparam("b_code"))
                        .values(unjudged=bindparam("b_problem")),
                        [{"b_code": code, "b_problem": text} for code, text in problems.items()])


def clear_unjudged(session, codes):
    if codes:
        session.execute(watched_tasks.update().where(among(session, watched_tasks.c.code, codes))
                        .where(watched_tasks.c.unjudged.is_not(None)).values(unjudged=None))


def unjudged_tasks(session):
    """[{task, unit, start_date, due_date, problem}] of the tasks the last
    evaluation could not judge."""
    w = watched_tasks.c
    return [{"task": row.code, "unit": row.lead_unit, "start_date": iso(row.start_date),
             "due_date": iso(row.due_date), "problem": row.unjudged}
            for row in session.execute(select(w.code, w.lead_unit, w.start_date, w.due_date,
                                              w.unjudged).where(w.unjudged.is_not(None))
                                       .order_by(w.code)).all()]
