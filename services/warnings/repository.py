"""Reading and writing the warnings service's tables in sets: a batch of tasks is
loaded with one query per table, never one query per task."""
import functools
from typing import NamedTuple

from sqlalchemy import bindparam, case, delete, func, select

from services.common.bulk import (
    among,
    insert_ignoring_conflicts,
    insert_many,
    update_many,
    upsert_many,
)
from services.common.clock import iso, utc_iso
from services.common.rule_versions import RuleVersions
from services.common.workdays import OFFICE, Year

from . import logic
from .accountability import GROUND_NAMES, MEASURE_NAMES, QUESTION_NAMES, STATUS_NAMES
from .models import (
    accountability_measures,
    accountability_records,
    black_listed_units,
    calendar_versions,
    calendar_years,
    colour_history,
    colours,
    forecast_checks,
    forecasts,
    notice_deadline_moves,
    notice_sequences,
    notices,
    progress_points,
    rule_sets,
    watched_clock_stages,
    watched_commitments,
    watched_extensions,
    watched_targets,
    watched_tasks,
)
from .notices import NOTICE_CLOSED, NOTICE_OPEN, PENDING, notice_number

# The tasks as the tasks service told of them ----------------------------------------

def add_tasks(session, tasks, created_on):
    """Keep new tasks and their targets (as task_created and tasks_imported carry
    them), given on the local day `created_on`: two statements however many."""
    insert_many(session, watched_tasks, [{
        "code": task["code"], "lead_unit": task["lead_unit"], "status": task["status"],
        "start_date": task["start_date"], "due_date": task["due_date"], "percent": 0,
        "clock_class": task["clock_class"], "created_on": created_on,
        "batch": task.get("batch")} for task in tasks])
    insert_many(session, watched_targets, [
        {"task_code": task["code"], "seq": target["seq"], "due_date": target["due_date"],
         "planned_percent": target["planned_percent"], "unit": target["unit"]}
        for task in tasks for target in task["targets"]])


def reported_tasks(session, codes):
    """{code: row} of the known tasks among `codes`, with what a report changes and
    what the last evaluation found to hold (logic.after_reports, logic.still_holds):
    one read for a whole batch."""
    w = watched_tasks.c
    return {row.code: row for row in session.execute(
        select(w.code, w.percent, w.last_reported_at, w.last_reported_on,
               w.last_progress_on, w.holds_on, w.holds_rules, w.holds_from,
               w.holds_below)
        .where(among(session, w.code, codes))).all()}


def store_reports(session, reported):
    """Keep what a batch of reports did to its tasks ([logic.Reported]): one update
    for the whole batch."""
    update_many(session, watched_tasks.update()
                .where(watched_tasks.c.code == bindparam("b_code"))
                .values(percent=bindparam("b_percent"),
                        last_reported_at=bindparam("b_at"),
                        last_reported_on=bindparam("b_reported_on"),
                        last_progress_on=bindparam("b_progress_on"),
                        reports_applied=watched_tasks.c.reports_applied
                        + bindparam("b_count")),
                [{"b_code": task.code, "b_percent": task.percent, "b_at": task.reported_at,
                  "b_reported_on": task.reported_on, "b_progress_on": task.progress_on,
                  "b_count": task.count} for task in reported])


def set_receipts(session, code, last_reported_at, last_reported_on, last_progress_on):
    """Where a task's reports stand by receipt after the office moved one, and
    forget what its last evaluation found to hold: it is judged again."""
    session.execute(watched_tasks.update().where(watched_tasks.c.code == code).values(
        last_reported_at=last_reported_at, last_reported_on=last_reported_on,
        last_progress_on=last_progress_on, holds_on=None))


def set_task_status(session, code, status, on):
    """A task's new status, and `on`, the local day it was closed or explained."""
    session.execute(watched_tasks.update()
                    .where(watched_tasks.c.code == code)
                    .values(status=status, finished_on=on if status in logic.FINISHED else None))


def add_clock_stage(session, task, stage, recorded_on):
    """Keep a 13710 stage done; a stage recorded already stays as it was."""
    insert_ignoring_conflicts(session, watched_clock_stages, [{
        "task_code": task, "stage": stage, "recorded_on": recorded_on}])


def drop_clock_stage(session, task, stage):
    """Forget a 13710 stage a unit claimed and the office sent back (复核退回)."""
    session.execute(watched_clock_stages.delete()
                    .where(watched_clock_stages.c.task_code == task)
                    .where(watched_clock_stages.c.stage == stage))


def set_commitment_status(session, commitment_id, status):
    """A commitment's state while the office checks a unit's claim to have kept it."""
    session.execute(watched_commitments.update()
                    .where(watched_commitments.c.id == commitment_id).values(status=status))


def keep_commitment(session, commitment):
    """Keep a commitment in the state a commitment_made or _fulfilled event tells."""
    # Made and fulfilled may arrive in either order after retries: insert if
    # new, then take the state the event speaks of.
    values = {"task_code": commitment["task"], "unit": commitment["unit"],
              "promised_date": commitment["promised_date"],
              "status": commitment["status"]}
    if not insert_ignoring_conflicts(session, watched_commitments,
                                     [{"id": commitment["id"], **values}]):
        query = watched_commitments.update().where(
            watched_commitments.c.id == commitment["id"])
        if commitment["status"] != logic.FULFILLED:
            # A late "made" must not reopen a kept promise.
            query = query.where(watched_commitments.c.status != logic.FULFILLED)
        session.execute(query.values(**values))


def add_extension(session, task, seq, new_due_date):
    """Keep an approved extension of the task's (seq None) or a target's due date."""
    session.execute(watched_extensions.insert().values(
        task_code=task, seq=seq, new_due_date=new_due_date))


def task_codes(session, codes=None):
    """The codes of every task (or of those among `codes`) still judged, in
    order: a cancelled task has left the colours."""
    query = (select(watched_tasks.c.code).where(watched_tasks.c.cancelled_on.is_(None))
             .order_by(watched_tasks.c.code))
    if codes is not None:
        query = query.where(among(session, watched_tasks.c.code, codes))
    return session.execute(query).scalars().all()


def finished_among(session, codes):
    """The codes among `codes` of tasks finished (closed, explained, cancelled) or
    no longer kept."""
    codes = list(codes)
    if not codes:
        return set()
    c = watched_tasks.c
    in_hand = session.execute(select(c.code).where(among(session, c.code, codes))
                              .where(c.status.not_in(tuple(logic.FINISHED)))).scalars()
    return set(codes) - set(in_hand)


def codes_to_judge(session):
    """The codes, in order, of the tasks a day's evaluation judges: those in hand,
    and those closed or explained with a part still yellow or red. A finished
    task's colours are settled the day it ends; read again every day, the years'
    finished tasks would fill each replica's memory (KnownTargets) for nothing."""
    c = watched_tasks.c
    amiss = (select(colours.c.task_code).where(colours.c.item_kind != "task")
             .where(colours.c.colour != logic.GREEN))
    return session.execute(
        select(c.code).where((c.status == "active") | c.code.in_(amiss))
        .order_by(c.code)).scalars().all()


def watched_task(session, code):
    """The stored row of a task, or None."""
    return session.execute(select(watched_tasks).where(watched_tasks.c.code == code)).first()


def clock_task_codes(session, unit=None):
    """The codes of the unfinished tasks on the 13710 clock (of a lead unit)."""
    query = (select(watched_tasks.c.code).where(watched_tasks.c.clock_class.is_not(None))
             .where(watched_tasks.c.status.not_in(tuple(logic.FINISHED))))
    if unit is not None:
        query = query.where(watched_tasks.c.lead_unit == unit)
    return session.execute(query).scalars().all()


def evaluation_figures(session):
    """(tasks, reports applied) so far."""
    return tuple(session.execute(select(
        func.count(), func.coalesce(func.sum(watched_tasks.c.reports_applied), 0))
    ).one())


def colour_totals(session):
    """{colour: items} stored so far."""
    return dict(session.execute(
        select(colours.c.colour, func.count()).group_by(colours.c.colour)).all())


# A batch of tasks at once -----------------------------------------------------------

def load_tasks(session, codes, known_targets=None):
    """The `logic.Task`s of the given codes (an evaluation of every task passes
    them a chunk at a time), with their targets, clock stages, commitments and
    extensions: five queries at most.

    known_targets ({code: (targets_version, targets)}, KnownTargets) holds the
    targets read before: only the tasks missing from it, or whose targets changed
    since, have theirs read, and are kept in it. A finished task's (closed,
    explained, cancelled) are not kept, and leave it if they were: it is judged
    once more at most, and a replica running for years would otherwise keep every
    task it ever met.
    """
    # Rows are fetched whole (`.all()`, one fetchall) and read by position: at a
    # city's scale this halves the time of a full re-evaluation's reading.
    w = watched_tasks.c
    rows = _rows(session, select(
        w.code, w.lead_unit, w.status, w.start_date, w.due_date, w.percent,
        w.clock_class, w.last_reported_on, w.last_progress_on, w.created_on,
        w.replanned_on, w.targets_version)
        .order_by(w.code), w.code, codes)
    # Each entry is (targets_version, targets): a task whose targets changed
    # since (in this replica or another) has them read again.
    known = {} if known_targets is None else known_targets
    targets = {row[0]: known[row[0]][1] for row in rows
               if row[0] in known and known[row[0]][0] == row[-1]}
    missing = [row[0] for row in rows if row[0] not in targets]
    if missing:
        found = _targets(session, missing)
        for code in missing:
            targets[code] = found.get(code, ())
    for code, status, version in ((row[0], row[2], row[-1]) for row in rows):
        if status in logic.FINISHED:
            known.pop(code, None)
        elif code not in known or known[code][0] != version:
            known[code] = (version, targets[code])
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
            replanned_on=replanned_on,
        )
        for (code, lead_unit, status, start_date, due_date, percent, clock_class,
             last_reported_on, last_progress_on, created_on, replanned_on, _) in rows
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


def colour_of_tasks(session, codes):
    """{code: its colour} of the given tasks as stored (the tasks' own, not their
    targets')."""
    c = colours.c  # by the primary key: a task's own colour is keyed by its code
    return dict(_rows(session, select(c.item_key, c.colour).where(c.item_kind == "task"),
                      c.item_key, codes))


def red_tasks(session, limit):
    """The stored colours of the first `limit` tasks to turn red (oldest first),
    each with its task's percentage."""
    c = colours.c
    return session.execute(
        select(colours, watched_tasks.c.percent)
        .join(watched_tasks, watched_tasks.c.code == c.task_code)
        .where(c.item_kind == "task", c.colour == logic.RED)
        .order_by(c.since, c.item_key).limit(limit)).all()


def task_colour_changes(session, until):
    """(task, as_of, colour) of every change of a task's own colour judged as of
    `until` or before, by task and in the order stored, read a slice at a time."""
    h = colour_history.c
    return session.execute(
        select(h.task_code, h.as_of, h.colour).where(h.item_kind == "task")
        .where(h.as_of <= until).order_by(h.task_code, h.id)
        .execution_options(yield_per=10_000)).tuples()


def days_tasks_left(session, until):
    """{task: the day it was cancelled, closed or explained} of the tasks that
    left the one screen's counts by `until`."""
    c = watched_tasks.c
    left = func.coalesce(c.cancelled_on, c.finished_on)
    return dict(session.execute(select(c.code, left).where(left <= until)).tuples().all())


def store_colours(session, as_of, rules, stored, current, changed):
    """Store the colours of an evaluation: `stored` is {(kind, key): Stored} as they
    were, `current` the colours found, `changed` [(Colour, previous colour or None)]
    those that differ (logic.changes). The colours keep their reasons' marks
    (logic.words)."""
    # The first colours of an import are most of a city at once: insert_many, as
    # SQLAlchemy's own executemany builds every row's parameters in Python.
    insert_many(session, colours, [_state(colour, as_of, rules)
                                   for colour, previous in changed if previous is None])
    # Only the columns that change: a parameter named after any other column
    # would be written too, and rewriting the key columns makes SQLite rewrite
    # every index of the table.
    moved = [{"colour": colour.colour, "reason": colour.reason, "since": as_of,
              "rule_version": rules.version, "b_kind": colour.item_kind,
              "b_key": colour.item_key} for colour, previous in changed
             if previous is not None]
    # Same colour, new words (days overdue grow): only the reason is rewritten.
    reworded = [{"reason": colour.reason, "b_kind": colour.item_kind,
                 "b_key": colour.item_key}
                for colour in current
                for before in (stored.get((colour.item_kind, colour.item_key)),)
                if before is not None and before.colour == colour.colour
                and before.reason != colour.reason]
    by_key = (colours.update().where(colours.c.item_kind == bindparam("b_kind"))
              .where(colours.c.item_key == bindparam("b_key")))
    update_many(session, by_key.values(
        colour=bindparam("colour"), reason=bindparam("reason"), since=bindparam("since"),
        rule_version=bindparam("rule_version")), moved)
    update_many(session, by_key.values(reason=bindparam("reason")), reworded)


def add_colour_history(session, changed, said, rules, as_of, now):
    """Keep the changes of an evaluation ([(Colour, previous colour or None)]) in
    the history, each with its reason in words (`said`, in the same order)."""
    insert_many(session, colour_history, [
        {"item_kind": colour.item_kind, "item_key": colour.item_key,
         "task_code": colour.task, "unit": colour.unit, "colour": colour.colour,
         "previous": previous, "reason": reason,
         "rule_version": rules.version, "as_of": as_of, "changed_at": now}
        for (colour, previous), reason in zip(changed, said, strict=True)])


def _state(colour, as_of, rules):
    return {"item_kind": colour.item_kind, "item_key": colour.item_key,
            "task_code": colour.task, "unit": colour.unit, "colour": colour.colour,
            "reason": colour.reason, "since": as_of, "rule_version": rules.version}


def store_holds(session, as_of, rules, held, unheld):
    """Record, for the tasks just judged, the percentages over which what each was
    found to be holds: `held` is {code: (low, high)}; NULL for the `unheld` codes
    (logic.held_spans)."""
    w = watched_tasks.c
    update_many(session, watched_tasks.update().where(w.code == bindparam("b_code"))
                .values(holds_on=bindparam("holds_on"), holds_rules=bindparam("holds_rules"),
                        holds_from=bindparam("holds_from"),
                        holds_below=bindparam("holds_below")),
                [{"b_code": code, "holds_on": as_of, "holds_rules": rules.version,
                  "holds_from": low, "holds_below": high}
                 for code, (low, high) in held.items()])
    if unheld:  # most of them hold nothing already: only those that did are written
        session.execute(watched_tasks.update().where(among(session, w.code, unheld))
                        .where(w.holds_on.is_not(None))
                        .values(holds_on=None, holds_rules=None, holds_from=None,
                                holds_below=None))


def forget_holds(session):
    """Forget what every task was found to hold (after the calendar changed)."""
    session.execute(watched_tasks.update().where(watched_tasks.c.holds_on.is_not(None))
                    .values(holds_on=None))


def item_colour(session, item_kind, item_key):
    """The stored colour of an item, or None."""
    return session.execute(
        select(colours.c.colour).where(colours.c.item_kind == item_kind)
        .where(colours.c.item_key == item_key)).scalar()


def list_colours(session, limit, offset, colour=None, unit=None, task=None, item_kind=None):
    """{"items": [colour as the API shows it], "total"}: stored colours, oldest first."""
    # Every kind when none is named: the (kind, colour, unit) index then finds
    # one colour's items, instead of a scan of the city's 155,000 colours.
    query = select(colours.c.item_kind, colours.c.item_key).where(colours.c.item_kind.in_(
        logic.ITEM_KINDS if item_kind is None else (item_kind,)))
    for column, value in ((colours.c.colour, colour), (colours.c.unit, unit),
                          (colours.c.task_code, task)):
        if value is not None:
            query = query.where(column == value)
    order = (colours.c.since, colours.c.item_key)
    # The page is chosen from an index alone, then only its rows are read:
    # sorting the whole rows of a colour, thousands of them, is four times slower.
    chosen = query.order_by(*order).limit(limit).offset(offset).subquery()
    total = session.execute(
        select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(
        select(colours, watched_tasks.c.percent)
        .join(chosen, (colours.c.item_kind == chosen.c.item_kind)
              & (colours.c.item_key == chosen.c.item_key))
        .join(watched_tasks, watched_tasks.c.code == colours.c.task_code)
        .order_by(*order)).all()
    return {"items": [colour_dict(row) for row in rows], "total": total}


def colour_dict(row):
    """A stored colour (with its task's percentage) as the API shows it: `state`
    beside the colour (logic.state), `percent` the task's as the service knows it."""
    return {"item_kind": row.item_kind, "item_key": row.item_key, "task": row.task_code,
            "unit": row.unit, "colour": row.colour,
            "reason": logic.words(row.reason, row.percent),
            "since": row.since.isoformat(), "rule_version": row.rule_version,
            "state": logic.state(row.colour, row.reason), "percent": row.percent}


def task_colours(session, codes):
    """{code: {colour, reason, since, targets: {seq: {colour, reason}}}} of the
    given tasks."""
    answer = {}
    for row in session.execute(
            select(colours, watched_tasks.c.percent)
            .join(watched_tasks, watched_tasks.c.code == colours.c.task_code)
            .where(among(session, colours.c.task_code, codes))):
        entry = answer.setdefault(row.task_code, {"colour": None, "reason": None,
                                                  "since": None, "targets": {}})
        reason = logic.words(row.reason, row.percent)
        if row.item_kind == "task":
            entry.update(colour=row.colour, reason=reason, since=row.since.isoformat(),
                         state=logic.state(row.colour, row.reason))
        elif row.item_kind == "target":
            seq = row.item_key.rsplit("#", 1)[1]
            entry["targets"][seq] = {"colour": row.colour, "reason": reason,
                                     "state": logic.state(row.colour, row.reason)}
    return answer


def task_history(session, code, limit, offset):
    """{"items": [{item_kind, item_key, task, unit, colour, previous, reason,
    rule_version, as_of, changed_at}], "total"}: a task's colour changes, oldest
    first."""
    query = select(colour_history).where(colour_history.c.task_code == code)
    total = session.execute(
        select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(colour_history.c.id)
                           .limit(limit).offset(offset)).all()
    return {"items": [{
        "item_kind": row.item_kind, "item_key": row.item_key, "task": row.task_code,
        "unit": row.unit, "colour": row.colour, "previous": row.previous,
        "reason": row.reason, "rule_version": row.rule_version,
        "as_of": row.as_of.isoformat(), "changed_at": row.changed_at.isoformat(),
    } for row in rows], "total": total}


def _in_hand(query, batch):
    """`query` on colours narrowed to the tasks in hand (not closed or explained)
    of a batch (None: of every batch)."""
    c = watched_tasks.c
    tasks = select(c.code).where(c.status == "active")
    if batch is not None:
        tasks = tasks.where(c.batch == batch)
    return query.where(colours.c.task_code.in_(tasks))


def task_colours_by_unit(session, batch=None):
    """[(unit, colour, tasks)] of the stored colours of the tasks in hand (of a
    batch)."""
    return session.execute(_in_hand(
        select(colours.c.unit, colours.c.colour, func.count())
        .where(colours.c.item_kind == "task"), batch)
        .group_by(colours.c.colour, colours.c.unit)).all()


def waiting_first_report(session, batch=None):
    """How many tasks are green only because they wait for their first report."""
    # Of the green, the new tasks still waiting for their first report.
    return session.execute(_in_hand(
        select(func.count()).where(colours.c.item_kind == "task")
        .where(colours.c.colour == logic.GREEN)
        .where(colours.c.reason.startswith(logic.PENDING_WORDS)), batch)).scalar()


def finished_in(session, since, until, batch=None):
    """How many tasks (of a batch) were closed or explained in [since, until]."""
    c = watched_tasks.c
    query = select(func.count()).where(c.finished_on.between(since, until))
    if batch is not None:
        query = query.where(c.batch == batch)
    return session.execute(query).scalar()


def batch_colour_rows(session):
    """[(batch, colour, tasks)] of the stored colours of the tasks in hand."""
    return session.execute(
        select(watched_tasks.c.batch, colours.c.colour, func.count())
        .join(watched_tasks, watched_tasks.c.code == colours.c.task_code)
        .where(colours.c.item_kind == "task").where(watched_tasks.c.status == "active")
        .group_by(watched_tasks.c.batch, colours.c.colour)).all()


# Changes of the records -------------------------------------------------------------

def update_task(session, code, values):
    """Take the task's fields as a task_updated event tells them; a task not
    known (yet) is left alone: answers whether it was known."""
    return session.execute(watched_tasks.update().where(watched_tasks.c.code == code)
                           .values(**values)).rowcount > 0


def set_target_units(session, code, units_by_seq):
    """Owners of the task's targets ({seq: unit}) and of their colours; the
    task's targets are then read again by every replica."""
    for seq, unit in units_by_seq.items():
        session.execute(watched_targets.update().where(watched_targets.c.task_code == code)
                        .where(watched_targets.c.seq == seq).values(unit=unit))
        session.execute(colours.update().where(colours.c.item_kind == "target")
                        .where(colours.c.item_key == f"{code}#{seq}").values(unit=unit))
    _bump_targets(session, code)


def set_lead_colours(session, code, lead_unit):
    """The task's own colour and its 13710 stages' answer to its lead unit from
    now on (their history keeps the unit of the day)."""
    session.execute(colours.update().where(colours.c.task_code == code)
                    .where(colours.c.item_kind.in_(("task", "clock")))
                    .values(unit=lead_unit))


def replace_targets(session, code, replaced, added, day):
    """A re-plan from `day`: the `replaced` seqs give way to the `added`
    targets ([{seq, due_date, planned_percent, unit}])."""
    if replaced:
        session.execute(watched_targets.delete().where(watched_targets.c.task_code == code)
                        .where(watched_targets.c.seq.in_(replaced)))
    existing = set(session.execute(select(watched_targets.c.seq)
                                   .where(watched_targets.c.task_code == code)).scalars())
    rows = [{"task_code": code, "seq": t["seq"], "due_date": t["due_date"],
             "planned_percent": t["planned_percent"], "unit": t["unit"]}
            for t in added if t["seq"] not in existing]
    if rows:
        session.execute(watched_targets.insert(), rows)
    session.execute(watched_tasks.update().where(watched_tasks.c.code == code)
                    .values(replanned_on=day))
    _bump_targets(session, code)


def _bump_targets(session, code):
    session.execute(watched_tasks.update().where(watched_tasks.c.code == code)
                    .values(targets_version=watched_tasks.c.targets_version + 1))


def cancel_task(session, code, day):
    session.execute(watched_tasks.update().where(watched_tasks.c.code == code)
                    .values(status="cancelled", cancelled_on=day))


def task_items(session, code, keys=None):
    """[(item_kind, item_key, task, unit)] of the task's stored colours (those
    of `keys`, [(kind, key)], when given)."""
    rows = session.execute(select(colours.c.item_kind, colours.c.item_key,
                                  colours.c.task_code, colours.c.unit)
                           .where(colours.c.task_code == code)).tuples().all()
    return [row for row in rows if keys is None or (row[0], row[1]) in keys]


def parts_amiss(session, codes):
    """[(item_kind, item_key, task, unit)] of the given tasks' parts (not the tasks
    themselves) stored yellow or red."""
    c = colours.c
    return _rows(session, select(c.item_kind, c.item_key, c.task_code, c.unit)
                 .where(c.item_kind != "task").where(c.colour != logic.GREEN),
                 c.task_code, codes)


def forget_colours(session, items):
    """Remove the stored colours of items ([(kind, key, ...)]): their history stays."""
    for kind, key, *_ in items:
        session.execute(colours.delete().where(colours.c.item_kind == kind)
                        .where(colours.c.item_key == key))


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
        "id": row.id, "number": notice_number(row.year, row.number), "year": row.year,
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


def notice_ids(row):
    """What every notice event says of its notice."""
    return {"notice_id": row.id, "number": notice_number(row.year, row.number),
            "task": row.task_code, "unit": row.unit}


def add_notice(session, task, unit, item_kind, item_key, reason, issued_on, issued_by,
               ack_due, answer_due, calendar_note, now):
    """Keep a new open notice, numbered in its year; answers its id."""
    year = issued_on.year
    number = next_notice_number(session, year)
    return session.execute(notices.insert().values(
        year=year, number=number, task_code=task, unit=unit, item_kind=item_kind,
        item_key=item_key, reason=reason, issued_on=issued_on, issued_at=now,
        issued_by=issued_by, ack_due=ack_due, answer_due=answer_due,
        status=NOTICE_OPEN, colour=logic.GREEN, calendar_note=calendar_note or None,
    )).inserted_primary_key[0]


def pending_notice_on(session, task):
    """(year, sequence) of a notice on the task not closed yet, or None."""
    return session.execute(
        select(notices.c.year, notices.c.number)
        .where(notices.c.item_kind == "task").where(notices.c.item_key == task)
        .where(notices.c.status != NOTICE_CLOSED)).first()


def notices_on_tasks(session, codes):
    """{task: [row with item_key, status, issued_on]} of every notice on the given
    tasks."""
    earlier = {}
    for row in session.execute(
            select(notices.c.item_key, notices.c.status, notices.c.issued_on)
            .where(notices.c.item_kind == "task")
            .where(among(session, notices.c.item_key, codes))).all():
        earlier.setdefault(row.item_key, []).append(row)
    return earlier


def acknowledge_notice(session, notice_id, status, now, user):
    session.execute(notices.update().where(notices.c.id == notice_id).values(
        status=status, acknowledged_at=now, acknowledged_by=user))


def answer_notice(session, notice_id, status, answer, now, user):
    session.execute(notices.update().where(notices.c.id == notice_id).values(
        status=status, answer=answer, answered_at=now, answered_by=user))


def close_notice(session, notice_id, status, reason, now, user):
    session.execute(notices.update().where(notices.c.id == notice_id).values(
        status=status, closed_at=now, closed_by=user, close_reason=reason))


def set_notice_colours(session, moved):
    """Store the colours of notices judged anew: `moved` is [(row, colour, stage)]."""
    session.execute(
        notices.update().where(notices.c.id == bindparam("b_id"))
        .values(colour=bindparam("b_colour")),
        [{"b_id": row.id, "b_colour": colour} for row, colour, _ in moved])


def notice_counts(session):
    """[(status, colour, notices)] of the notices not closed."""
    return session.execute(
        select(notices.c.status, notices.c.colour, func.count())
        .where(notices.c.status != NOTICE_CLOSED)
        .group_by(notices.c.status, notices.c.colour)).all()


def notices_of_year(session, year):
    """(notices issued in `year`, those of them closed): the year's closure rate."""
    closed = func.sum(case((notices.c.status == NOTICE_CLOSED, 1), else_=0))
    issued, done = session.execute(select(func.count(), closed)
                                   .where(notices.c.year == year)).one()
    return issued, int(done or 0)


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


def unclosed_notices(session, code):
    """The notices on a task not closed yet, whatever their step."""
    return session.execute(select(notices).where(notices.c.task_code == code)
                           .where(notices.c.status != NOTICE_CLOSED)).all()


def pending_notices(session, codes=None):
    """The notices still waiting on the unit (open or acknowledged), of the given
    tasks (None: of every task)."""
    query = select(notices).where(notices.c.status.in_(PENDING))
    if codes is not None:
        query = query.where(among(session, notices.c.task_code, codes))
    return session.execute(query).all()


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


# Accountability records (三问) ----------------------------------------------------

def task_colour_row(session, code):
    """The stored colour of a task (colour, unit, since), or None."""
    return session.execute(
        select(colours.c.colour, colours.c.unit, colours.c.since)
        .where(colours.c.item_kind == "task").where(colours.c.item_key == code)).first()


def keep_black_lists(session, period, label, listed):
    """Keep a published period's black list: [(unit, reasons)]; a period published
    again (a redelivery) is kept once."""
    session.execute(black_listed_units.delete().where(black_listed_units.c.period == period))
    if listed:
        session.execute(black_listed_units.insert(), [
            {"period": period, "unit": unit, "label": label or period, "reasons": reasons}
            for unit, reasons in listed])


def black_listings(session, unit, period=None):
    """[(period, label, reasons)] of the published black lists naming the unit,
    oldest period first (only `period`'s when given)."""
    query = select(black_listed_units).where(black_listed_units.c.unit == unit)
    if period is not None:
        query = query.where(black_listed_units.c.period == period)
    return [(row.period, row.label, row.reasons) for row in
            session.execute(query.order_by(black_listed_units.c.period))]


def add_accountability_record(session, values):
    """Keep a new record; answers its id."""
    return session.execute(accountability_records.insert().values(**values)
                           ).inserted_primary_key[0]


def accountability_row(session, record_id):
    return session.execute(select(accountability_records)
                           .where(accountability_records.c.id == record_id)).first()


def update_accountability(session, record_id, **values):
    session.execute(accountability_records.update()
                    .where(accountability_records.c.id == record_id).values(**values))


def add_measure(session, record_id, measure, user, now):
    session.execute(accountability_measures.insert().values(
        record_id=record_id, kind=measure["kind"], taken_on=measure["taken_on"],
        result=measure["result"], recorded_by=user, recorded_at=now))


def accountability_dict(row, measures=()):
    return {
        "id": row.id, "unit": row.unit, "ground": row.ground,
        "ground_name": GROUND_NAMES.get(row.ground, row.ground),
        "ground_ref": row.ground_ref, "ground_detail": row.ground_detail,
        "task": row.task_code, "questions": list(row.questions or ()),
        "question_names": [QUESTION_NAMES.get(q, q) for q in row.questions or ()],
        "summary": row.summary, "status": row.status,
        "status_name": STATUS_NAMES.get(row.status, row.status),
        "opened_on": iso(row.opened_on), "opened_by": row.opened_by,
        "opened_at": utc_iso(row.opened_at), "plan": row.plan,
        "plan_deadline": iso(row.plan_deadline), "plan_by": row.plan_by,
        "plan_at": utc_iso(row.plan_at), "rectified_at": utc_iso(row.rectified_at),
        "colour": row.colour, "colour_since": iso(row.colour_since),
        "closed_at": utc_iso(row.closed_at), "closed_by": row.closed_by,
        "close_note": row.close_note,
        "measures": [{"id": m.id, "kind": m.kind, "kind_name": MEASURE_NAMES.get(m.kind, m.kind),
                      "taken_on": iso(m.taken_on), "result": m.result,
                      "recorded_by": m.recorded_by} for m in measures],
    }


def accountability_measures_of(session, record_ids):
    answer = {}
    if record_ids:
        for row in session.execute(
            select(accountability_measures)
            .where(accountability_measures.c.record_id.in_(record_ids))
            .order_by(accountability_measures.c.taken_on, accountability_measures.c.id)
        ):
            answer.setdefault(row.record_id, []).append(row)
    return answer


def list_accountability(session, limit, offset, unit=None, status=None, open_only=False,
                        scope=None):
    """Records, newest first: {"items", "total"}; `open_only` keeps those not closed."""
    query = select(accountability_records)
    if unit is not None:
        query = query.where(accountability_records.c.unit == unit)
    if status is not None:
        query = query.where(accountability_records.c.status == status)
    if open_only:
        query = query.where(accountability_records.c.status != "closed")
    if scope is not None:
        query = query.where(accountability_records.c.unit.in_(sorted(scope)))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(accountability_records.c.id.desc())
                           .limit(limit).offset(offset)).all()
    measures = accountability_measures_of(session, [row.id for row in rows])
    return {"items": [accountability_dict(row, measures.get(row.id, ())) for row in rows],
            "total": total}


def planned_accountability(session):
    """The open records with a rectification deadline: judged at each evaluation."""
    return session.execute(
        select(accountability_records).where(accountability_records.c.status == "open")
        .where(accountability_records.c.plan_deadline.is_not(None))).all()


def set_accountability_colours(session, moved, as_of):
    """Store the colours of records judged anew: [(row, colour)]."""
    for row, colour in moved:
        update_accountability(session, row.id, colour=colour, colour_since=as_of)


# Forecast colour (forecast.py) -------------------------------------------------------

def keep_points(session, points):
    """Keep each task's percentage at the end of each reporting day ({(code, day):
    percent}, the last report of the day already chosen): one statement."""
    upsert_many(session, progress_points, [
        {"task_code": code, "day": day, "percent": percent}
        for (code, day), percent in points.items()])


def points_of(session, codes, window):
    """{code: [(day, percent)]}: the last `window` reporting days of each task."""
    p = progress_points.c
    numbered = (select(p.task_code, p.day, p.percent, func.row_number().over(
        partition_by=p.task_code, order_by=p.day.desc()).label("newest"))
        .where(among(session, p.task_code, codes))).subquery()
    answer = {}
    for code, day, percent in session.execute(
            select(numbered.c.task_code, numbered.c.day, numbered.c.percent)
            .where(numbered.c.newest <= window)).all():
        answer.setdefault(code, []).append((day, percent))
    return answer


def soon_red_since(session, codes):
    """{code: the day its forecast turned red} of the tasks among `codes` forecast
    red now."""
    f = forecasts.c
    return dict(_rows(session, select(f.task_code, f.soon_red_since)
                      .where(f.soon_red.is_(True)), f.task_code, codes))


def forecast_later(session, codes, day):
    """The tasks among `codes` whose forecast is of a day after `day`."""
    f = forecasts.c
    return {code for code, in _rows(session, select(f.task_code).where(f.as_of > day),
                                    f.task_code, codes)}


def replace_forecasts(session, codes, rows):
    """The tasks' forecasts are `rows` now (a task of `codes` without one has
    none): one delete and one insert for the whole set."""
    f = forecasts.c
    for start in range(0, len(codes), 1000):
        session.execute(delete(forecasts).where(
            among(session, f.task_code, codes[start:start + 1000])))
    insert_many(session, forecasts, rows)


def add_forecast_checks(session, rows):
    insert_many(session, forecast_checks, rows)


def due_forecast_checks(session, as_of, codes):
    """[(id, task)] of the forecasts red not yet judged whose day has come, of
    the given tasks."""
    c = forecast_checks.c
    return _rows(session, select(c.id, c.task_code).where(c.outcome.is_(None))
                 .where(c.red_on <= as_of), c.task_code, codes)


def judge_forecast_checks(session, outcomes, as_of):
    """Store what each forecast red came to ({id: outcome})."""
    update_many(session, forecast_checks.update()
                .where(forecast_checks.c.id == bindparam("b_id"))
                .values(outcome=bindparam("b_outcome"), judged_on=bindparam("b_on")),
                [{"b_id": id_, "b_outcome": outcome, "b_on": as_of}
                 for id_, outcome in outcomes.items()])


def list_forecasts(session, limit, offset, unit=None, colour=None, soon_red=None,
                   task=None, batch=None):
    """{"items": [forecast as the API shows it], "total"}: the soonest red first,
    then by due date."""
    f = forecasts.c
    query = select(forecasts)
    for column, value in ((f.unit, unit), (f.colour, colour), (f.task_code, task),
                          (f.soon_red, soon_red)):
        if value is not None:
            query = query.where(column == value)
    if batch is not None:
        query = query.where(f.task_code.in_(
            select(watched_tasks.c.code).where(watched_tasks.c.batch == batch)))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(f.red_on.is_(None), f.red_on, f.due, f.task_code)
                           .limit(limit).offset(offset)).all()
    return {"items": [forecast_dict(row) for row in rows], "total": total}


def forecast_dict(row):
    return {"task": row.task_code, "unit": row.unit, "as_of": row.as_of.isoformat(),
            "colour": row.colour, "due": row.due.isoformat(), "planned": row.planned,
            "projected": round(row.projected, 1), "low": round(row.low, 1),
            "high": round(row.high, 1), "red_on": iso(row.red_on),
            "pace": round(row.pace, 4), "spread": round(row.spread, 4),
            "reports": row.reports, "soon_red": bool(row.soon_red),
            "soon_red_since": iso(row.soon_red_since), "words": row.words,
            "dates": row.dates, "rule_version": row.rule_version}


def soon_red_count(session, batch=None):
    """How many tasks are forecast red within the rules' days (of a batch)."""
    f = forecasts.c
    query = select(func.count()).select_from(forecasts).where(f.soon_red.is_(True))
    if batch is not None:
        query = query.where(f.task_code.in_(
            select(watched_tasks.c.code).where(watched_tasks.c.batch == batch)))
    return session.execute(query).scalar()


def forecast_check_counts(session, since, until, unit=None):
    """{outcome or None: how many} of the forecasts red whose day fell in
    [since, until] (None: still to come or not judged yet)."""
    c = forecast_checks.c
    query = (select(c.outcome, func.count()).where(c.red_on >= since)
             .where(c.red_on <= until))
    if unit is not None:
        query = query.where(c.unit == unit)
    return dict(session.execute(query.group_by(c.outcome)).all())


def forget_forecasts(session, code):
    """A cancelled task is forecast no more; its forecasts red still to be
    checked are closed as "cancelled" (counted neither way)."""
    session.execute(delete(forecasts).where(forecasts.c.task_code == code))
    session.execute(forecast_checks.update().where(forecast_checks.c.task_code == code)
                    .where(forecast_checks.c.outcome.is_(None))
                    .values(outcome="cancelled"))
