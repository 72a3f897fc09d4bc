"""Reading and writing the ranking service's tables; answers plain data."""
import datetime as dt

from sqlalchemy import and_, bindparam, case, delete, func, or_, select, tuple_, update

from services.common.bulk import among, insert_ignoring_conflicts, insert_many, update_many
from services.common.calendar_copy import CalendarCopy
from services.common.clock import utc_iso, utcnow
from services.common.rule_versions import RuleVersions
from services.common.tables import applied_events

from . import logic, way_off
from .models import (
    calendar_years,
    colour_changes,
    commitments,
    daily_ranks,
    evaluations,
    extension_decisions,
    notices,
    rankings,
    reports,
    returned_steps,
    score_rules,
    standings,
    start_states,
    start_states_taken,
    targets,
    task_cooperators,
    tasks,
    units,
)

# A report counts for a target from this many days before its due date: the
# report of the target's own month.
REPORT_WINDOW = dt.timedelta(days=30)


# Copies of other services' facts ----------------------------------------------

def save_unit(session, unit):
    insert_ignoring_conflicts(session, units, [
        {"code": unit["code"], "name": unit["name"], "kind": unit["kind"]}])


def save_tasks(session, new_tasks, created_on):
    """Keep tasks (each given on the local day `created_on[code]`), their cooperating units and
    their targets, set-based; targets learn at once of any report that arrived
    before their task did. A task kept before stays as it was."""
    insert_many(session, tasks, [{
        "code": task["code"], "unit": task["lead_unit"], "clock_class": task["clock_class"],
        "status": task["status"], "start_date": task["start_date"],
        "title": task.get("title"), "created_on": created_on.get(task["code"])}
        for task in new_tasks], skip_existing=True)
    insert_many(session, task_cooperators, [
        {"task": task["code"], "unit": unit}
        for task in new_tasks for unit in set(task["cooperating_units"])], skip_existing=True)
    insert_many(session, targets, [
        {"task": task["code"], "seq": target["seq"], "unit": target["unit"],
         "due_date": target["due_date"], "planned_percent": target["planned_percent"]}
        for task in new_tasks for target in task["targets"]], skip_existing=True)
    early = {task for (task,) in session.execute(
        select(reports.c.task.distinct())
        .where(reports.c.task.in_([task["code"] for task in new_tasks])))}
    if early:
        refresh_targets(session, sorted(early))


def record_reports(session, batch):
    """Keep a batch of reports [(task, day, percent, report id)] and move their
    targets' reached_on and reported_on, set-based: two statements for the whole
    batch."""
    if not batch:
        return
    insert_many(session, reports, [
        {"task": task, "day": day, "percent": percent, "report_id": report_id}
        for task, day, percent, report_id in batch])
    # A task reported twice in a batch names its targets twice: the updates apply
    # in order (the earliest day that reached a target wins either way). Both
    # dates move in one statement, each by its own test against the row as it
    # was: one lookup of a task's targets a report, where an UPDATE for each date
    # read them twice (a batch of 1,000: 35 → 26 ms on SQLite, bench/RESULTS.md).
    on = bindparam("d")
    reached = and_(targets.c.planned_percent <= bindparam("p"),
                   or_(targets.c.reached_on.is_(None), targets.c.reached_on > on))
    reported = and_(targets.c.due_date <= bindparam("w"),
                    or_(targets.c.reported_on.is_(None), targets.c.reported_on > on))
    update_many(session, update(targets).where(
        targets.c.task == bindparam("t"), or_(reached, reported)).values(
        reached_on=case((reached, on), else_=targets.c.reached_on),
        reported_on=case((reported, on), else_=targets.c.reported_on)),
        [{"t": task, "d": day, "p": percent, "w": day + REPORT_WINDOW}
         for task, day, percent, _ in batch], same_row_by=("t",))


def move_report(session, report_id, task, previous_day, percent, day):
    """Move one kept report to the day it was received after all, then recompute
    its task's targets. A report kept before reports had their id is found by its
    task, day and percentage. Answers whether one was found."""
    row = session.execute(select(reports.c.id).where(reports.c.report_id == report_id)).first()
    if row is None:
        row = session.execute(select(reports.c.id).where(
            reports.c.task == task, reports.c.day == previous_day,
            reports.c.percent == percent, reports.c.report_id.is_(None)).limit(1)).first()
    if row is None:
        return False
    session.execute(update(reports).where(reports.c.id == row.id)
                    .values(day=day, report_id=report_id))
    refresh_targets(session, [task])
    return True


def refresh_targets(session, codes):
    """Recompute reached_on and reported_on of the targets of a few tasks from
    their stored reports (after a task arrives late or a due date moves)."""
    kept = {}
    for report in session.execute(select(reports.c.task, reports.c.day, reports.c.percent)
                                  .where(reports.c.task.in_(codes))):
        kept.setdefault(report.task, []).append(report)
    rows = session.execute(select(targets).where(targets.c.task.in_(codes))).all()
    for target in rows:
        mine = kept.get(target.task, ())
        reached = [r.day for r in mine if r.percent >= target.planned_percent]
        reported = [r.day for r in mine if target.due_date <= r.day + REPORT_WINDOW]
        session.execute(update(targets).where(
            targets.c.task == target.task, targets.c.seq == target.seq).values(
            reached_on=min(reached, default=None), reported_on=min(reported, default=None)))


def rename_unit(session, unit):
    session.execute(update(units).where(units.c.code == unit["code"])
                    .values(name=unit["name"], kind=unit["kind"]))


def retitle_task(session, code, title):
    """Keep a task's new title (only people read it: the way off names it)."""
    if title:
        session.execute(update(tasks).where(tasks.c.code == code).values(title=title))


def retire_unit(session, code, day):
    session.execute(update(units).where(units.c.code == code).values(retired_on=day))


def cancel_task(session, code, day):
    session.execute(update(tasks).where(tasks.c.code == code)
                    .values(status="cancelled", cancelled_on=day))


def reassign_task(session, code, lead_unit, cooperating_units, target_units, day,
                  clock_class=None, start_date=None):
    """A task as an edit or a merger left it: its lead unit (for its 13710 matter
    and its evaluations) and cooperating units now, and the owners of its
    targets ({seq: unit}) due from `day` on: the targets due before keep the
    unit that answered for them then. Answers whether the task is known."""
    values = {"unit": lead_unit}
    if start_date is not None:
        values.update(clock_class=clock_class, start_date=start_date)
    if not session.execute(update(tasks).where(tasks.c.code == code).values(**values)).rowcount:
        return False
    session.execute(task_cooperators.delete().where(task_cooperators.c.task == code))
    insert_ignoring_conflicts(session, task_cooperators, [
        {"task": code, "unit": unit} for unit in set(cooperating_units)])
    for seq, unit in target_units.items():
        session.execute(update(targets).where(
            targets.c.task == code, targets.c.seq == seq, targets.c.due_date >= day)
            .values(unit=unit))
    return True


def replan(session, code, replaced, added):
    """The targets `replaced` give way to `added` ([{seq, unit, due_date,
    planned_percent}]): each target counts against the plan in force on its due
    date, and the replaced ones were not yet due."""
    if replaced:
        session.execute(targets.delete().where(targets.c.task == code,
                                               targets.c.seq.in_(replaced)))
    insert_ignoring_conflicts(session, targets, [
        {"task": code, "seq": t["seq"], "unit": t["unit"], "due_date": t["due_date"],
         "planned_percent": t["planned_percent"]} for t in added])
    refresh_targets(session, [code])


def set_status(session, code, status):
    session.execute(update(tasks).where(tasks.c.code == code).values(status=status))


def record_clock_closed(session, code, day):
    session.execute(update(tasks).where(
        tasks.c.code == code, or_(tasks.c.closed_on.is_(None), tasks.c.closed_on > day))
        .values(closed_on=day))


def extend(session, code, seq, previous_due_date, new_due_date):
    """Move a target's due date (seq), or the task's (seq None: its targets due on
    the old date move with it), then recompute what depends on it."""
    where = [targets.c.task == code]
    where.append(targets.c.seq == seq if seq is not None
                 else targets.c.due_date == previous_due_date)
    session.execute(update(targets).where(*where).values(due_date=new_due_date))
    refresh_targets(session, [code])


def save_commitment(session, commitment, fulfilled_on=None):
    if not insert_ignoring_conflicts(session, commitments, [{
            "id": commitment["id"], "unit": commitment["unit"],
            "promised_date": commitment["promised_date"], "fulfilled_on": fulfilled_on,
            "task": commitment.get("task"), "step": commitment.get("step")}]):
        if fulfilled_on is not None:
            session.execute(update(commitments).where(
                commitments.c.id == commitment["id"],
                or_(commitments.c.fulfilled_on.is_(None),
                    commitments.c.fulfilled_on > fulfilled_on))
                .values(fulfilled_on=fulfilled_on))


def save_extension_decision(session, request_id, unit, outcome, day):
    insert_ignoring_conflicts(session, extension_decisions, [
        {"request_id": request_id, "unit": unit, "outcome": outcome, "decided_on": day}])


def save_colour_changes(session, changes, day, decided_at):
    """Keep the changes of one evaluation, task items left out: a task takes the
    worst colour of its parts, which are counted themselves."""
    rows = [{"item_kind": c["item_kind"], "item_key": c["item_key"], "unit": c["unit"],
             "colour": c["colour"], "day": day, "decided_at": decided_at}
            for c in changes if c["item_kind"] != "task"]
    insert_many(session, colour_changes, rows)
    if rows:
        # The states kept at a later start no longer hold.
        session.execute(delete(start_states).where(start_states.c.start > day))
        session.execute(delete(start_states_taken).where(start_states_taken.c.start > day))


def save_notice(session, notice, issued_on):
    insert_ignoring_conflicts(session, notices, [{
        "id": notice["id"], "unit": notice["unit"], "issued_on": issued_on,
        "ack_due": notice["ack_due"], "answer_due": notice["answer_due"],
        "number": notice.get("number")}])


def notice_step(session, notice_id, column, day):
    """Record a notice's step day (acknowledged_on, answered_on, closed_on).
    Answers the notice's issue day, or None when the notice is not known (yet)."""
    session.execute(update(notices).where(notices.c.id == notice_id)
                    .values({column: day}))
    return session.execute(select(notices.c.issued_on)
                           .where(notices.c.id == notice_id)).scalar()


def record_return(session, verification_id, unit, task, kind, day):
    insert_ignoring_conflicts(session, returned_steps, [{
        "verification_id": verification_id, "unit": unit, "task": task, "kind": kind,
        "day": day}])


# Facts of a period -----------------------------------------------------------

_CHANGE = (colour_changes.c.unit, colour_changes.c.item_kind, colour_changes.c.item_key,
           colour_changes.c.day, colour_changes.c.colour, colour_changes.c.decided_at)


def amiss_when_begun(session, start):
    """[(unit, item_kind, item_key, day, colour, decided_at)]: the last change
    before `start` of each item yellow or red when that day began: as kept
    (keep_start_states) while the history holds no change before it stored
    since, else read from the history."""
    taken = session.execute(select(start_states_taken.c.through_id)
                            .where(start_states_taken.c.start == start)).scalar()
    if taken is not None and not _changed_before(session, start, taken):
        k = start_states.c
        return session.execute(select(k.unit, k.item_kind, k.item_key, k.day, k.colour,
                                      k.decided_at).where(k.start == start)).all()
    return states_at_start(session, start)[1]


def _changed_before(session, start, through_id):
    """Whether a change judged as of a day before `start` was stored after the
    change `through_id`."""
    h = colour_changes.c
    return session.execute(select(h.id).where(h.id > through_id, h.day < start)
                           .limit(1)).first() is not None


def states_at_start(session, start):
    """(the last change stored, amiss_when_begun's rows) read from the history:
    each item's last change before `start`, of those yellow or red."""
    h = colour_changes.c
    through = session.execute(select(func.max(h.id))).scalar() or 0
    last = (select(*_CHANGE, func.row_number().over(
        partition_by=(h.item_kind, h.item_key),
        order_by=(h.day.desc(), h.decided_at.desc(), h.id.desc())).label("n"))
        .where(h.day < start, h.id <= through).subquery())
    return through, session.execute(
        select(last.c.unit, last.c.item_kind, last.c.item_key, last.c.day, last.c.colour,
               last.c.decided_at).where(last.c.n == 1, last.c.colour != "green")).all()


def start_states_kept(session, start):
    return session.execute(select(start_states_taken.c.start)
                           .where(start_states_taken.c.start == start)).first() is not None


def keep_start_states(session, start, through_id, rows):
    """Keep what states_at_start read (through the change `through_id`) as the
    states at `start`, unless a change before it was stored since or another
    replica kept them first."""
    if _changed_before(session, start, through_id) or not insert_ignoring_conflicts(
            session, start_states_taken, [{"start": start, "through_id": through_id}]):
        return
    insert_many(session, start_states, [
        {"start": start, "unit": unit, "item_kind": kind, "item_key": key, "day": day,
         "colour": colour, "decided_at": decided_at}
        for unit, kind, key, day, colour, decided_at in rows])


def changes_in(session, start, as_of, begun_amiss):
    """The changes in [start, as_of] of the items yellow or red in it: those of a
    change to yellow or red in it, and `begun_amiss` (amiss_when_begun). A
    colour is scored by its red and yellow days, and a city's items are mostly
    green all along (at a city's scale, reading every item's took a scoring
    150 MB and most of its time)."""
    h = colour_changes.c
    in_period = h.day.between(start, as_of)
    amiss = select(h.item_kind, h.item_key).where(in_period, h.colour != "green")
    rows = {row[0]: row[1:] for row in session.execute(
        select(h.id, *_CHANGE).where(in_period, tuple_(h.item_kind, h.item_key).in_(amiss)))}
    begun = {(row[1], row[2]) for row in begun_amiss}
    if begun:
        rows.update((row[0], row[1:]) for row in session.execute(
            select(h.id, *_CHANGE).where(in_period, among(session, h.item_key,
                                                          sorted({key for _, key in begun}))))
            if (row[2], row[3]) in begun)
    return list(rows.values())

def load_facts(session, period, as_of, rules):
    """The Facts (see logic.Facts) of a period as of a day, for the units of the
    rules' groups."""
    start = period.start
    # A retired unit leaves every ranking scored as of its retirement or later.
    unit_rows = session.execute(select(units.c.code, units.c.name, units.c.kind).where(
        or_(units.c.retired_on.is_(None), units.c.retired_on > as_of))).all()
    ranked = [{"code": u.code, "name": u.name, "kind": u.kind} for u in unit_rows
              if rules.group_of({"code": u.code, "kind": u.kind}) is not None]
    live = tasks.c.status != "cancelled"
    # A cancelled task's targets due before the day it was cancelled still count.
    live_target = or_(live, targets.c.due_date < tasks.c.cancelled_on)

    target_rows = session.execute(
        select(targets.c.unit, targets.c.due_date, targets.c.reached_on, targets.c.reported_on)
        .join(tasks, tasks.c.code == targets.c.task)
        .where(targets.c.due_date.between(start, as_of), live_target,
               # A step due before the task was given was never the unit's to meet.
               or_(tasks.c.created_on.is_(None), targets.c.due_date >= tasks.c.created_on))
    ).all()

    before = amiss_when_begun(session, start)
    changes = sorted([*changes_in(session, start, as_of, before), *before],
                     key=lambda r: (r[1], r[2], r[3], r[5]))

    clock_rows = session.execute(
        select(tasks.c.unit, tasks.c.clock_class, tasks.c.start_date, tasks.c.closed_on)
        .where(tasks.c.clock_class.is_not(None), live, tasks.c.start_date <= as_of,
               or_(tasks.c.closed_on.is_(None), tasks.c.closed_on >= start))).all()
    commitment_rows = session.execute(
        select(commitments.c.unit, commitments.c.promised_date, commitments.c.fulfilled_on)
        .where(commitments.c.promised_date.between(start, as_of))).all()
    notice_rows = session.execute(
        select(notices.c.unit, notices.c.issued_on, notices.c.ack_due,
               notices.c.acknowledged_on, notices.c.answer_due, notices.c.answered_on,
               notices.c.closed_on)
        .where(notices.c.issued_on.between(start, as_of))).all()
    extension_rows = session.execute(
        select(extension_decisions.c.unit, extension_decisions.c.decided_on,
               extension_decisions.c.outcome)
        .where(extension_decisions.c.decided_on.between(start, as_of))).all()
    return_rows = session.execute(
        select(returned_steps.c.unit, returned_steps.c.kind, returned_steps.c.day)
        .where(returned_steps.c.day.between(start, as_of))).all()
    evaluation_rows = session.execute(
        select(evaluations.c.unit, evaluations.c.lead_unit, evaluations.c.score)
        .where(evaluations.c.period == period.key)).all()
    # Work in the period, though nothing of it has fallen due yet: the units it
    # belongs to are ranked (a clean start is full marks, not "no data").
    working = set(session.execute(
        select(tasks.c.unit).where(tasks.c.status == "active", tasks.c.start_date <= as_of)
        .distinct()).scalars())
    working.update(session.execute(
        select(targets.c.unit).join(tasks, tasks.c.code == targets.c.task)
        .where(targets.c.due_date.between(start, period.end), live).distinct()).scalars())
    working.update(session.execute(
        select(commitments.c.unit)
        .where(commitments.c.promised_date.between(start, period.end)).distinct()).scalars())

    return logic.Facts(
        units=ranked,
        targets=[tuple(row) for row in target_rows],
        changes=[tuple(row[:5]) for row in changes],
        clocks=[tuple(row) for row in clock_rows],
        commitments=[tuple(row) for row in commitment_rows],
        notices=[tuple(row) for row in notice_rows],
        evaluations=[tuple(row) for row in evaluation_rows],
        extensions=[tuple(row) for row in extension_rows],
        working=working,
        returns=[tuple(row) for row in return_rows],
    )


def load_openings(session, unit, period, as_of):
    """What `unit` still has open in a period as of a day, named for people
    (see way_off.Openings): its targets due from the as-of day to the period's
    end and not yet reached, its notices of the period neither answered nor
    closed, its commitments falling due from the as-of day on and not yet
    fulfilled, and its 13710 matters not closed."""
    live = tasks.c.status != "cancelled"
    target_rows = session.execute(
        select(targets.c.task, targets.c.seq, tasks.c.title, targets.c.due_date,
               targets.c.planned_percent, targets.c.reported_on)
        .join(tasks, tasks.c.code == targets.c.task)
        .where(targets.c.unit == unit, targets.c.due_date.between(as_of, period.end),
               targets.c.reached_on.is_(None), live,
               or_(tasks.c.created_on.is_(None), targets.c.due_date >= tasks.c.created_on))
        .order_by(targets.c.due_date, targets.c.task, targets.c.seq)).all()
    notice_rows = session.execute(
        select(notices.c.id, notices.c.number, notices.c.issued_on, notices.c.ack_due,
               notices.c.acknowledged_on, notices.c.answer_due)
        .where(notices.c.unit == unit, notices.c.issued_on.between(period.start, as_of),
               notices.c.answered_on.is_(None), notices.c.closed_on.is_(None))
        .order_by(notices.c.answer_due, notices.c.id)).all()
    commitment_rows = session.execute(
        select(commitments.c.id, commitments.c.task, commitments.c.step,
               commitments.c.promised_date)
        .where(commitments.c.unit == unit,
               commitments.c.promised_date.between(as_of, period.end),
               commitments.c.fulfilled_on.is_(None))
        .order_by(commitments.c.promised_date, commitments.c.id)).all()
    clock_rows = session.execute(
        select(tasks.c.code, tasks.c.title, tasks.c.clock_class, tasks.c.start_date)
        .where(tasks.c.unit == unit, tasks.c.clock_class.is_not(None), live,
               tasks.c.start_date <= as_of, tasks.c.closed_on.is_(None))
        .order_by(tasks.c.start_date, tasks.c.code)).all()
    return way_off.Openings(
        targets=[row._asdict() for row in target_rows],
        notices=[row._asdict() for row in notice_rows],
        commitments=[row._asdict() for row in commitment_rows],
        clocks=[row._asdict() for row in clock_rows])


# Score rules --------------------------------------------------------------------

RULES = RuleVersions(score_rules, logic.ScoreRules)


# Evaluations ----------------------------------------------------------------------

def cooperates(session, lead_unit, unit):
    """Whether `unit` cooperates on a task `lead_unit` leads."""
    return session.execute(
        select(task_cooperators.c.task)
        .join(tasks, tasks.c.code == task_cooperators.c.task)
        .where(tasks.c.unit == lead_unit, task_cooperators.c.unit == unit).limit(1)
    ).first() is not None


def save_evaluation(session, period, lead_unit, unit, score, comment, user):
    """Insert or replace the one evaluation of (period, lead unit, unit)."""
    session.execute(delete(evaluations).where(
        evaluations.c.period == period, evaluations.c.lead_unit == lead_unit,
        evaluations.c.unit == unit))
    session.execute(evaluations.insert().values(
        period=period, lead_unit=lead_unit, unit=unit, score=score, comment=comment,
        evaluated_by=user, evaluated_at=utcnow()))


def evaluation_dict(row):
    return {"period": row.period, "lead_unit": row.lead_unit, "unit": row.unit,
            "score": row.score, "comment": row.comment, "evaluated_by": row.evaluated_by,
            "evaluated_at": utc_iso(row.evaluated_at)}


def evaluation_row(session, period, lead_unit, unit):
    return session.execute(select(evaluations).where(
        evaluations.c.period == period, evaluations.c.lead_unit == lead_unit,
        evaluations.c.unit == unit)).one()


def evaluation_rows(session, period, unit, lead_unit, limit, offset, givers=None):
    """(a page of a period's evaluations, of one unit or by one lead unit when
    named, and only those given by the lead units of `givers` unless it is None,
    by unit; how many there are)."""
    where = [evaluations.c.period == period]
    if givers is not None:
        where.append(evaluations.c.lead_unit.in_(sorted(givers)))
    if unit is not None:
        where.append(evaluations.c.unit == unit)
    if lead_unit is not None:
        where.append(evaluations.c.lead_unit == lead_unit)
    total = session.execute(select(func.count()).select_from(evaluations)
                            .where(*where)).scalar()
    rows = session.execute(select(evaluations).where(*where).order_by(
        evaluations.c.unit, evaluations.c.lead_unit).limit(limit).offset(offset)).all()
    return rows, total


# Frozen rankings and live standings -------------------------------------------------

def touch(session, days):
    """An event concerning `days` arrived: the live standings are stale, so is a
    draft ranking of a period holding one of the days; an approved or published
    one only counts the late event."""
    session.execute(update(standings).where(standings.c.stale.is_(False)).values(stale=True))
    days = {day for day in days if day is not None}
    if not days:
        return
    first, last = min(days), max(days)
    for row in session.execute(select(rankings.c.period, rankings.c.status)).all():
        period = logic.parse_period(row.period)
        if period.end < first or period.start > last or not any(
                period.contains(day) for day in days):
            continue
        if row.status == "draft":
            values = {"stale": True}
        else:
            values = {"late_events": rankings.c.late_events + 1}
        session.execute(update(rankings).where(rankings.c.period == row.period).values(values))


def ranking_row(session, period):
    return session.execute(select(rankings).where(rankings.c.period == period)).first()


def ranking_drafted(session, period):
    """Whether a period's ranking is drafted (or further), without reading it."""
    return session.execute(select(rankings.c.period)
                           .where(rankings.c.period == period)).first() is not None


def ranking_rows(session, limit, offset):
    """(a page of the frozen rankings, newest first; how many there are)."""
    rows = session.execute(select(rankings).order_by(rankings.c.period.desc())
                           .limit(limit).offset(offset)).all()
    return rows, session.execute(select(func.count()).select_from(rankings)).scalar()


def set_ranking(session, period, **values):
    """Change a frozen ranking's status and who moved it there."""
    session.execute(update(rankings).where(rankings.c.period == period).values(**values))


def add_draft(session, period, rules_version, groups, user):
    """Draft a period's ranking; a draft made meanwhile (by the timer or an admin)
    is kept."""
    insert_ignoring_conflicts(session, rankings, [{
        "period": period.key, "status": "draft", "as_of": period.end,
        "rules_version": rules_version, "groups": groups, "computed_at": utcnow(),
        "stale": False, "late_events": 0, "drafted_by": user}])


def replace_draft(session, period, rules_version, groups):
    """A draft scored again as of its period's end; a ranking approved meanwhile is
    left alone."""
    session.execute(update(rankings).where(
        rankings.c.period == period.key, rankings.c.status == "draft").values(
        groups=groups, as_of=period.end, rules_version=rules_version, computed_at=utcnow()))


def mark_all_stale(session):
    """New score rules: the live standings and every draft are scored again."""
    session.execute(update(standings).values(stale=True))
    session.execute(update(rankings).where(rankings.c.status == "draft").values(stale=True))


def standings_row(session, period):
    return session.execute(select(standings).where(standings.c.period == period)).first()


def standings_state(session, period):
    """A period's live standings without their groups: whether they are fresh is
    all a tick needs, twice a second, and reading a city's groups (300 kB of
    JSON) took 6.5 ms of a tick, this 0.4 ms."""
    return session.execute(select(*[column for column in standings.c if column.name != "groups"])
                           .where(standings.c.period == period)).first()


def reserve_standings(session, period, as_of, moment):
    """A placeholder row for a period's first scoring, so that an event arriving
    while it is scored has a row to mark stale. Its rules version 0 is never in
    force, so nobody reads its empty groups as standings."""
    insert_ignoring_conflicts(session, standings, [{
        "period": period.key, "as_of": as_of, "rules_version": 0, "groups": {},
        "computed_at": moment, "stale": False}])


def store_standings(session, period, as_of, rules_version, groups, computed_at):
    """Keep a scoring of the live standings, computed from the facts applied
    before `computed_at`. `stale` is left as it is: an event applied while the
    scoring ran has marked it, and the next tick scores again."""
    values = {"as_of": as_of, "rules_version": rules_version, "groups": groups,
              "computed_at": computed_at}
    kept = session.execute(update(standings).where(standings.c.period == period.key)
                           .values(values)).rowcount
    if not kept:
        session.execute(standings.insert().values(period=period.key, stale=False, **values))
    session.execute(delete(daily_ranks).where(daily_ranks.c.day == as_of))
    rows = [{"day": as_of, "unit": e["unit"], "period": period.key, "grp": key,
             "rank": e["rank"], "name": e["name"]}
            for key, group in groups.items() for e in group["entries"] if e["rank"] is not None]
    insert_many(session, daily_ranks, rows)


def ranks_on(session, day):
    """{unit: (group, rank, name)} of the latest standings on or before `day`, and
    that day's period (None when nothing was kept)."""
    kept = session.execute(select(func.max(daily_ranks.c.day))
                           .where(daily_ranks.c.day <= day)).scalar()
    if kept is None:
        return {}, None
    rows = session.execute(select(daily_ranks).where(daily_ranks.c.day == kept)).all()
    return ({r.unit: (r.grp, r.rank, r.name) for r in rows},
            rows[0].period if rows else None)


def ranking_dict(row):
    return {"period": row.period, "status": row.status, "as_of": row.as_of.isoformat(),
            "rules_version": row.rules_version, "computed_at": utc_iso(row.computed_at),
            "stale": row.stale, "late_events": row.late_events, "drafted_by": row.drafted_by,
            "approved_by": row.approved_by, "approved_at": utc_iso(row.approved_at),
            "published_by": row.published_by, "published_at": utc_iso(row.published_at)}


def stale_drafts(session):
    return session.execute(select(rankings.c.period).where(
        rankings.c.status == "draft", rankings.c.stale.is_(True))).scalars().all()


def last_applied_at(session):
    """When this service last applied an event (naive UTC), or None. Asked only
    of stale standings scored within the gap between scorings (a flood), and
    while a draft is stale, so a scan of the applied events is rare."""
    return session.execute(select(func.max(applied_events.c.applied_at))).scalar()


def claim_stale(session, table, period, scored_before=None):
    """Mark a stale row fresh; True for the one caller that did (the one who
    recomputes it), however many replicas tick. With `scored_before`, only a row
    last computed before that moment is claimed."""
    condition = and_(table.c.period == period, table.c.stale.is_(True))
    if scored_before is not None:
        condition = and_(condition, table.c.computed_at < scored_before)
    return session.execute(update(table).where(condition).values(stale=False)).rowcount == 1


# The working-day calendar, as this service's copy has it.
CALENDAR = CalendarCopy(calendar_years)


def targets_met_by_due_date(session, first, last):
    """(targets due from `first` to `last` of active, closed or explained tasks,
    those of them reached by their due date): the city's on-time figure."""
    t = targets.c
    due = and_(t.due_date >= first, t.due_date <= last,
               t.task.in_(select(tasks.c.code).where(tasks.c.status != "cancelled")))
    met = func.sum(case((and_(t.reached_on.is_not(None), t.reached_on <= t.due_date), 1),
                        else_=0))
    count, reached = session.execute(select(func.count(), met).where(due)).one()
    return count, int(reached or 0)
