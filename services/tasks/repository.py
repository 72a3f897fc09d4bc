"""Reading and writing the tasks service's tables, a batch in one statement
where the work comes in batches; answers plain dicts (rows where the caller
needs a column no answer shows)."""
from sqlalchemy import bindparam, func, or_, select

from services.common.bulk import among, insert_many, insert_numbered, update_many
from services.common.calendar_copy import CalendarCopy
from services.common.clock import iso, utc_iso

from . import repository_requests as requests_repo
from .logic import TaskState
from .models import (
    calendar_years,
    clock_stages,
    commitments,
    evidence,
    extensions,
    instruction_corrections,
    instructions,
    progress_batches,
    progress_reports,
    receipt_corrections,
    stage_feedback,
    targets,
    task_messages,
    task_plans,
    task_units,
    task_versions,
    tasks,
    unit_versions,
    units,
)

# Tasks per set of INSERTs of an import: a few MB of parameters at a time.
INSERT_SLICE = 2_000
# The signals and a new matter's default due date count working days by this copy
# of the office's calendar.
CALENDAR = CalendarCopy(calendar_years)


def unit_dict(row):
    return {
        "code": row.code, "name": row.name, "kind": row.kind, "parent": row.parent,
        "head": row.head, "operator": row.operator, "status": row.status,
        "retired_at": iso(row.retired_at), "merged_into": row.merged_into,
    }


def unit_parents(session):
    return dict(session.execute(select(units.c.code, units.c.parent)).all())


def known_unit_codes(session, codes):
    """Those of `codes` that are units."""
    return _present(session, units.c.code, codes)


def _present(session, column, values):
    """Those of `values` found in `column`, asked in slices: SQLite binds at most
    32,766 values a statement, and an import may name twenty thousand tasks."""
    values, found = sorted(values), set()
    for start in range(0, len(values), 5_000):
        found.update(value for (value,) in session.execute(
            select(column).where(among(session, column, values[start:start + 5_000]))))
    return found


def insert_unit(session, unit, now):
    session.execute(units.insert().values(
        code=unit["code"], name=unit["name"], kind=unit["kind"],
        parent=unit.get("parent"), head=unit.get("head"),
        operator=unit.get("operator"), created_at=now,
    ))


def get_units(session, codes=None, kind=None, parent=None):
    query = select(units).order_by(units.c.code)
    if codes is not None:
        query = query.where(units.c.code.in_(codes))
    if kind:
        query = query.where(units.c.kind == kind)
    if parent:
        query = query.where(units.c.parent == parent)
    return [unit_dict(row) for row in session.execute(query)]


def task_dict(row, task_targets=(), cooperating=()):
    return {
        "code": row.code, "title": row.title, "category": row.category,
        "source": row.source, "clock_class": row.clock_class, "lead_unit": row.lead_unit,
        "cooperating_units": sorted(cooperating),
        "responsible_person": row.responsible_person,
        "start_date": iso(row.start_date), "due_date": iso(row.due_date),
        "status": row.status, "status_reason": row.status_reason,
        "percent": row.percent, "last_reported_at": iso(row.last_reported_at),
        "created_at": iso(row.created_at), "closed_at": iso(row.closed_at),
        "batch": row.batch,
        "targets": [target_dict(target) for target in task_targets],
    }


def target_dict(row):
    return {
        "seq": row.seq, "due_date": iso(row.due_date),
        "planned_percent": row.planned_percent, "description": row.description,
        "unit": row.unit, "plan_version": row.plan_version,
    }


def tasks_with_parts(session, rows):
    """Task dicts with their targets and cooperating units, in two queries."""
    codes = [row.code for row in rows]
    by_task_targets, by_task_units = {}, {}
    if codes:
        for target in session.execute(
            # The plan in force; the targets it replaced are kept for the history.
            select(targets).where(among(session, targets.c.task_code, codes))
            .where(targets.c.replaced_in.is_(None))
            .order_by(targets.c.task_code, targets.c.seq)
        ):
            by_task_targets.setdefault(target.task_code, []).append(target)
        for link in session.execute(
            select(task_units).where(among(session, task_units.c.task_code, codes))
            .where(task_units.c.role == "cooperating")
        ):
            by_task_units.setdefault(link.task_code, []).append(link.unit_code)
    return [
        task_dict(row, by_task_targets.get(row.code, ()), by_task_units.get(row.code, ()))
        for row in rows
    ]


def title_words(q):
    """The words of a search, each matched anywhere in a title: Chinese titles
    have no spaces, so a word is a substring, as people expect of a search box."""
    return [word for word in (q or "").split() if word][:10]


def _like(word):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def task_query(scope=None, unit=None, status=None, category=None, source=None, codes=None,
               batch=None, q=None, lead_unit=None, year=None, due_month=None, columns=None):
    """The tasks the filters keep: `year` a logic.YearScope, `due_month` (first
    day, last day) of a month in which the task or a target of its plan in
    force falls due; `columns` the columns to select (the whole row by default)."""
    query = select(*(columns or [tasks]))
    if year is not None:
        # Every year's unfinished work stays in the year: the still-active tasks
        # and those finished in it after their due date.
        query = query.where(tasks.c.start_date <= year.last, or_(
            tasks.c.due_date >= year.first, tasks.c.status == "active",
            tasks.c.closed_at >= year.since))
    if due_month is not None:
        first, last = due_month
        query = query.where(or_(
            tasks.c.due_date.between(first, last),
            tasks.c.code.in_(select(targets.c.task_code).where(
                targets.c.replaced_in.is_(None), targets.c.due_date.between(first, last)))))
    if lead_unit:
        query = query.where(tasks.c.lead_unit == lead_unit)
    if batch:
        query = query.where(tasks.c.batch == batch)
    # ILIKE: on PostgreSQL the trigram index of the titles serves it (migration
    # 0006); on SQLite it is LIKE, which ignores the case of Latin letters too.
    for word in title_words(q):
        query = query.where(tasks.c.title.ilike(_like(word), escape="\\"))
    for unit_codes in ([unit] if unit else None, scope):
        if unit_codes is not None:
            query = query.where(tasks.c.code.in_(
                select(task_units.c.task_code).where(task_units.c.unit_code.in_(unit_codes))
            ))
    if status:
        query = query.where(tasks.c.status == status)
    if category:
        query = query.where(tasks.c.category == category)
    if source:
        query = query.where(tasks.c.source == source)
    if codes is not None:
        query = query.where(tasks.c.code.in_(codes))
    return query


def list_tasks(session, limit, offset, **filters):
    query = task_query(**filters)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(tasks.c.code).limit(limit).offset(offset)).all()
    return {"items": tasks_with_parts(session, rows), "total": total}


def list_task_codes(session, limit, offset, **filters):
    """A page of the codes of the tasks the filters keep (task_query), by code."""
    query = task_query(**filters, columns=[tasks.c.code])
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    codes = session.execute(query.order_by(tasks.c.code).limit(limit).offset(offset)).scalars()
    return {"items": list(codes), "total": total}


def tasks_by_codes(session, codes, chunk=5000):
    """{code: task dict with targets and cooperating units} of those of `codes`
    that are tasks."""
    codes, found = list(codes), {}
    for start in range(0, len(codes), chunk):
        rows = session.execute(
            select(tasks).where(tasks.c.code.in_(codes[start:start + chunk]))).all()
        found.update((task["code"], task) for task in tasks_with_parts(session, rows))
    return found


def task_headings(session):
    """(code, title, lead_unit, status, batch) of every task, by code: what a
    ledger is compared with to find the tasks it leaves out."""
    return session.execute(select(tasks.c.code, tasks.c.title, tasks.c.lead_unit,
                                  tasks.c.status, tasks.c.batch)
                           .order_by(tasks.c.code)).all()


def insert_task(session, task, links, now):
    """A new active task at 0%, its units ({code: role}) and its targets, numbered
    from 1 in their order."""
    insert_tasks(session, [(task, links)], now)


def insert_tasks(session, new_tasks, now):
    """New tasks [(task, links)] as insert_task keeps each, three statements per
    INSERT_SLICE tasks: an import of the city's library is one transaction, not
    twenty thousand, and its parameters are never built for the whole city at
    once (for the city's 155,000 rows that was 50 MB at the import's peak)."""
    for start in range(0, len(new_tasks), INSERT_SLICE):
        _insert_task_slice(session, new_tasks[start:start + INSERT_SLICE], now)


def _insert_task_slice(session, new_tasks, now):
    insert_many(session, tasks, [{
        "code": task["code"], "title": task["title"], "category": task.get("category"),
        "source": task["source"], "clock_class": task.get("clock_class"),
        "lead_unit": task["lead_unit"], "responsible_person": task.get("responsible_person"),
        "start_date": task["start_date"], "due_date": task["due_date"], "status": "active",
        "percent": 0, "created_at": now, "batch": task.get("batch"),
    } for task, _ in new_tasks])
    insert_many(session, task_units, [
        {"task_code": task["code"], "unit_code": unit, "role": role}
        for task, links in new_tasks for unit, role in links.items()])
    insert_many(session, targets, [
        {"task_code": task["code"], "seq": seq, "due_date": target["due_date"],
         "planned_percent": target["planned_percent"],
         "description": target.get("description"),
         "unit": target.get("unit") or task["lead_unit"]}
        for task, _ in new_tasks for seq, target in enumerate(task["targets"], start=1)])


def existing_task_codes(session, codes):
    """Those of `codes` that are tasks already."""
    return _present(session, tasks.c.code, codes)


def task_rows(session, codes):
    """The rows of the tasks `codes`, in that order."""
    found = {row.code: row for row in session.execute(
        select(tasks).where(among(session, tasks.c.code, list(codes))))}
    return [found[code] for code in codes if code in found]


def set_status(session, code, status, reason, now):
    session.execute(tasks.update().where(tasks.c.code == code).values(
        status=status, status_reason=reason, closed_at=now))


def task_row(session, code):
    return session.execute(select(tasks).where(tasks.c.code == code)).first()


def task_unit_codes(session, code):
    return {
        unit for (unit,) in session.execute(
            select(task_units.c.unit_code).where(task_units.c.task_code == code)
        )
    }


def task_details(session, row):
    (task,) = tasks_with_parts(session, [row])
    task["progress"] = [
        {
            "id": report.id, "unit": report.unit_code, "percent": report.percent,
            "note": report.note, "correction": report.correction,
            "reported_at": iso(report.reported_at), "received_at": iso(report.received_at),
            "source": report.source,
        }
        for report in session.execute(
            select(progress_reports).where(progress_reports.c.task_code == row.code)
            .order_by(progress_reports.c.id)
        )
    ]
    task["evidence"] = [
        evidence_dict(item) for item in session.execute(
            select(evidence).where(evidence.c.task_code == row.code).order_by(evidence.c.id)
        )
    ]
    task["clocks"] = [
        {"stage": stage.stage, "recorded_at": iso(stage.recorded_at),
         "received_at": iso(stage.received_at)}
        for stage in session.execute(
            select(clock_stages).where(clock_stages.c.task_code == row.code)
            .order_by(clock_stages.c.recorded_at)
        )
    ]
    task["commitments"] = [
        commitment_dict(item) for item in session.execute(
            select(commitments).where(commitments.c.task_code == row.code)
            .order_by(commitments.c.id)
        )
    ]
    task["extensions"] = [
        {"id": item.id, "seq": item.seq, "previous_due_date": iso(item.previous_due_date),
         "new_due_date": iso(item.new_due_date), "reason": item.reason,
         "extended_at": iso(item.extended_at)}
        for item in session.execute(
            select(extensions).where(extensions.c.task_code == row.code)
            .order_by(extensions.c.id)
        )
    ]
    # Each report with the files that support it; the task's requests for time.
    files = {}
    for item in task["evidence"]:
        files.setdefault(item["report_id"], []).append(item)
    for report in task["progress"]:
        report["evidence"] = files.get(report["id"], [])
    task["extension_requests"] = requests_repo.requests_of(session, row.code)
    return task


def task_states(session, codes):
    """{code: TaskState} of the tasks among `codes`, in two queries. A code that is
    not a string names no task (its report is refused as malformed)."""
    codes = sorted(code for code in codes if isinstance(code, str))
    states = {
        code: TaskState(percent, status, lead_unit=lead_unit, start_date=start_date,
                        due_date=due_date, clock_class=clock_class)
        for code, percent, status, lead_unit, start_date, due_date, clock_class
        in session.execute(
            select(tasks.c.code, tasks.c.percent, tasks.c.status, tasks.c.lead_unit,
                   tasks.c.start_date, tasks.c.due_date, tasks.c.clock_class)
            .where(among(session, tasks.c.code, codes))).tuples()
    }
    for task_code, unit_code in session.execute(
        select(task_units.c.task_code, task_units.c.unit_code)
        .where(among(session, task_units.c.task_code, codes))
    ):
        states[task_code].units.add(unit_code)
    return states


def insert_reports(session, reports, batch_id, source, reported_by):
    """Store a batch's accepted reports (each with its reported_at and
    received_at) in one statement; answers their ids in the order of `reports`."""
    return insert_numbered(session, progress_reports, [{
        "batch_id": batch_id, "task_code": item["task"],
        "unit_code": item["unit"], "percent": item["percent"],
        "note": item.get("note"), "correction": item["correction"],
        "reported_at": item["reported_at"], "received_at": item["received_at"],
        "source": source, "reported_by": reported_by,
    } for item in reports])


def set_standings(session, standings):
    """Where each task stands after a batch, {code: TaskState}, in one statement."""
    update_many(
        session, tasks.update().where(tasks.c.code == bindparam("b_code"))
        .values(percent=bindparam("b_percent"), last_reported_at=bindparam("b_at")),
        [{"b_code": code, "b_percent": state.percent, "b_at": state.reported_at}
         for code, state in standings.items()])


def add_evidence(session, task_code, sha256, filename, content_type, size, user, now):
    """Keep an evidence file's record; answers its id."""
    return session.execute(evidence.insert().values(
        task_code=task_code, sha256=sha256, filename=filename, content_type=content_type,
        size=size, uploaded_at=now, uploaded_by=user,
    )).inserted_primary_key[0]


def evidence_row(session, task_code, evidence_id):
    """The evidence row (with its sha256) of the task, or None."""
    return session.execute(
        select(evidence).where(evidence.c.task_code == task_code)
        .where(evidence.c.id == evidence_id)
    ).first()


def evidence_count(session, task_code):
    return len(session.execute(
        select(evidence.c.id).where(evidence.c.task_code == task_code)).all())


def clock_stage_recorded(session, task_code, stage):
    return session.execute(
        select(clock_stages).where(clock_stages.c.task_code == task_code)
        .where(clock_stages.c.stage == stage)).first() is not None


def record_clock_stage(session, task_code, stage, moment, received_at, user):
    session.execute(clock_stages.insert().values(
        task_code=task_code, stage=stage, recorded_at=moment, received_at=received_at,
        recorded_by=user))


def report_row(session, report_id):
    return session.execute(
        select(progress_reports).where(progress_reports.c.id == report_id)).first()


def report_dict(report):
    return {"id": report.id, "task": report.task_code, "unit": report.unit_code,
            "percent": report.percent, "correction": report.correction,
            "reported_at": iso(report.reported_at), "received_at": iso(report.received_at)}


def correct_receipt(session, report, received_at, reason, user, now):
    """Move a report's receipt, keeping the correction beside it; answers the
    report as it stands now."""
    session.execute(progress_reports.update().where(progress_reports.c.id == report.id)
                    .values(received_at=received_at))
    session.execute(receipt_corrections.insert().values(
        report_id=report.id, previous_received_at=report.received_at,
        received_at=received_at, reason=reason, corrected_by=user, corrected_at=now))
    return report_row(session, report.id)


def receipt_corrections_of(session, report_id):
    return [
        {"previous_received_at": iso(row.previous_received_at),
         "received_at": iso(row.received_at), "reason": row.reason,
         "corrected_by": row.corrected_by, "corrected_at": iso(row.corrected_at)}
        for row in session.execute(
            select(receipt_corrections).where(receipt_corrections.c.report_id == report_id)
            .order_by(receipt_corrections.c.id))]


def task_receipts(session, code):
    """[(percent, received_at)] of a task's reports in the order they were accepted."""
    return [(row.percent, row.received_at) for row in session.execute(
        select(progress_reports.c.percent, progress_reports.c.received_at)
        .where(progress_reports.c.task_code == code).order_by(progress_reports.c.id))]


def insert_commitment(session, task_code, item, now):
    """An open commitment; answers its id."""
    return session.execute(commitments.insert().values(
        task_code=task_code, unit=item["unit"], step=item["step"],
        promised_date=item["promised_date"], result=item["result"], status="open",
        created_at=now)).inserted_primary_key[0]


def commitment_row(session, commitment_id):
    return session.execute(
        select(commitments).where(commitments.c.id == commitment_id)).first()


def fulfil_commitment(session, commitment_id, now):
    session.execute(commitments.update().where(commitments.c.id == commitment_id)
                    .values(status="fulfilled", fulfilled_at=now))


def list_commitments(session, limit, offset, scope=None, unit=None, task=None,
                     status=None):
    """Commitments within `scope` (unit codes, or None for all), soonest promised
    first: {"items": [commitment], "total"}."""
    query = select(commitments)
    for column, value in ((commitments.c.unit, unit), (commitments.c.task_code, task),
                          (commitments.c.status, status)):
        if value is not None:
            query = query.where(column == value)
    if scope is not None:
        query = query.where(commitments.c.unit.in_(sorted(scope)))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(commitments.c.promised_date, commitments.c.id)
                           .limit(limit).offset(offset)).all()
    return {"items": [commitment_dict(row) for row in rows], "total": total}


def target_due_date(session, task_code, seq):
    """The due date of the task's target `seq`, or None when it has none."""
    target = session.execute(
        select(targets.c.due_date).where(targets.c.task_code == task_code)
        .where(targets.c.seq == seq)).first()
    return None if target is None else target.due_date


def move_due_date(session, task_code, seq, previous, new_date):
    """Move the task's due date (`seq` None; its targets due on the old date move
    with it) or its target's."""
    if seq is None:
        session.execute(tasks.update().where(tasks.c.code == task_code)
                        .values(due_date=new_date))
        session.execute(targets.update().where(targets.c.task_code == task_code)
                        .where(targets.c.due_date == previous)
                        .values(due_date=new_date))
    else:
        session.execute(targets.update().where(targets.c.task_code == task_code)
                        .where(targets.c.seq == seq).values(due_date=new_date))


def record_extension(session, task_code, seq, previous, new_date, reason, user, now):
    """Keep an extension; answers how many the task (`seq` None) or its target has
    had, this one included."""
    session.execute(extensions.insert().values(
        task_code=task_code, seq=seq, previous_due_date=previous, new_due_date=new_date,
        reason=reason, extended_by=user, extended_at=now))
    return len(session.execute(
        select(extensions.c.id).where(extensions.c.task_code == task_code)
        .where(extensions.c.seq.is_(None) if seq is None else extensions.c.seq == seq)
    ).all())


def evidence_dict(row):
    return {
        "id": row.id, "task": row.task_code, "sha256": row.sha256, "filename": row.filename,
        "content_type": row.content_type, "size": row.size,
        "uploaded_at": iso(row.uploaded_at), "report_id": row.report_id,
    }


def commitment_dict(row):
    return {
        "id": row.id, "task": row.task_code, "unit": row.unit, "step": row.step,
        "promised_date": iso(row.promised_date), "result": row.result,
        "status": row.status, "created_at": iso(row.created_at),
        "fulfilled_at": iso(row.fulfilled_at),
    }


def store_batch(session, caller, key, digest, answer, now):
    """Keep a batch's answer under the caller's Idempotency-Key."""
    session.execute(progress_batches.insert().values(
        caller=(caller or {}).get("user") or "", key=key,
        digest=digest, answer=answer, created_at=now))


def stored_batch(session, caller, key):
    """The batch stored earlier under this caller's Idempotency-Key, or None."""
    return session.execute(
        select(progress_batches.c.digest, progress_batches.c.answer)
        .where(progress_batches.c.caller == ((caller or {}).get("user") or ""))
        .where(progress_batches.c.key == key)
    ).first()


# Changes of the records --------------------------------------------------------

def unit_statuses(session, codes):
    """{code: status} of the units among `codes`."""
    return dict(session.execute(
        select(units.c.code, units.c.status).where(units.c.code.in_(codes))).all())


def update_task(session, code, values):
    if values:
        session.execute(tasks.update().where(tasks.c.code == code).values(**values))


def all_targets(session, code):
    """Every target the task ever had, replaced ones included, by seq."""
    return session.execute(select(targets).where(targets.c.task_code == code)
                           .order_by(targets.c.seq)).all()


def set_links(session, code, links):
    """Replace the task's units ({code: role})."""
    session.execute(task_units.delete().where(task_units.c.task_code == code))
    session.execute(task_units.insert(), [
        {"task_code": code, "unit_code": unit, "role": role} for unit, role in links.items()])


def move_targets(session, code, seqs, unit):
    if seqs:
        session.execute(targets.update().where(targets.c.task_code == code)
                        .where(targets.c.seq.in_(seqs)).values(unit=unit))


def replace_plan(session, code, plan, reason, user, today, now):
    """Keep plan `plan` (logic.Replan): its replaced targets marked, its new ones
    added, its approval recorded."""
    if plan.replaced:
        session.execute(targets.update().where(targets.c.task_code == code)
                        .where(targets.c.seq.in_(plan.replaced))
                        .values(replaced_in=plan.version))
    session.execute(targets.insert(), [
        {"task_code": code, "plan_version": plan.version, **target} for target in plan.added])
    session.execute(task_plans.insert().values(
        task_code=code, version=plan.version, effective_on=today, reason=reason,
        approved_by=user, approved_at=now))


def add_task_version(session, code, kind, changes, reason, user, now):
    """Record a change of the task; answers its version (the task as created is 1)."""
    latest = session.execute(select(func.max(task_versions.c.version))
                             .where(task_versions.c.task_code == code)).scalar()
    version = (latest or 1) + 1
    session.execute(task_versions.insert().values(
        task_code=code, version=version, kind=kind, changes=changes, reason=reason,
        changed_by=user, changed_at=now))
    return version


def task_history(session, row):
    """{"versions": [...], "plans": [...]} of a task, oldest first."""
    versions = [{"version": 1, "kind": "create", "changes": {}, "reason": None,
                 "changed_by": None, "changed_at": iso(row.created_at)}]
    versions += [{"version": v.version, "kind": v.kind, "changes": v.changes,
                  "reason": v.reason, "changed_by": v.changed_by,
                  "changed_at": iso(v.changed_at)}
                 for v in session.execute(select(task_versions)
                                          .where(task_versions.c.task_code == row.code)
                                          .order_by(task_versions.c.version))]
    approvals = {p.version: p for p in session.execute(
        select(task_plans).where(task_plans.c.task_code == row.code))}
    by_version = {}
    for target in all_targets(session, row.code):
        entry = {**target_dict(target), "replaced_in": target.replaced_in}
        by_version.setdefault(target.plan_version, []).append(entry)
    plans = []
    for version in sorted(set(by_version) | set(approvals) | {1}):
        approval = approvals.get(version)
        plans.append({
            "version": version,
            "effective_on": iso(approval.effective_on) if approval else iso(row.start_date),
            "reason": approval.reason if approval else None,
            "approved_by": approval.approved_by if approval else None,
            "approved_at": iso(approval.approved_at) if approval else iso(row.created_at),
            "targets": by_version.get(version, []),
        })
    return {"task": row.code, "versions": versions, "plans": plans,
            "extension_requests": requests_repo.requests_of(session, row.code),
            "reports": requests_repo.reports_with_evidence(session, row.code)}


def update_unit(session, code, values):
    if values:
        session.execute(units.update().where(units.c.code == code).values(**values))


def add_unit_version(session, code, kind, changes, reason, user, now):
    session.execute(unit_versions.insert().values(
        unit_code=code, kind=kind, changes=changes, reason=reason, changed_by=user,
        changed_at=now))


def unit_history(session, code):
    return [{"kind": v.kind, "changes": v.changes, "reason": v.reason,
             "changed_by": v.changed_by, "changed_at": iso(v.changed_at)}
            for v in session.execute(select(unit_versions)
                                     .where(unit_versions.c.unit_code == code)
                                     .order_by(unit_versions.c.id))]


def open_tasks_of(session, unit):
    """The active tasks `unit` takes part in, as dicts with their plan in force."""
    rows = session.execute(
        select(tasks).where(tasks.c.status == "active")
        .where(tasks.c.code.in_(select(task_units.c.task_code)
                                .where(task_units.c.unit_code == unit)))
        .order_by(tasks.c.code)).all()
    return tasks_with_parts(session, rows)


def child_units(session, code):
    return session.execute(select(units.c.code).where(units.c.parent == code)
                           .where(units.c.status == "active")
                           .order_by(units.c.code)).scalars().all()


def batch_rows(session, scope=None):
    """[(batch, status, tasks)] of the tasks (within `scope`)."""
    query = task_query(scope=scope).subquery()
    return session.execute(select(query.c.batch, query.c.status, func.count())
                           .group_by(query.c.batch, query.c.status)).all()


# Leaders' instructions, stage feedback and task threads -------------------------

def task_codes_like(session, prefix):
    """The task codes starting with `prefix`."""
    return {code for (code,) in session.execute(
        select(tasks.c.code).where(tasks.c.code.startswith(prefix, autoescape=True)))}


def insert_instruction(session, task_code, kind, parent_id, data, user, now):
    """Keep an instruction; answers its id."""
    return session.execute(instructions.insert().values(
        task_code=task_code, kind=kind, parent_id=parent_id, leader=data["leader"],
        leader_name=data["leader_name"], given_on=data["given_on"], text=data["text"],
        recorded_by=user or "", recorded_at=now)).inserted_primary_key[0]


def instruction_row(session, instruction_id):
    return session.execute(
        select(instructions).where(instructions.c.id == instruction_id)).first()


def correct_instruction(session, instruction_id, correction, user, now):
    """Keep `correction` (instructions.correction's answer) of an instruction and
    apply it."""
    before, after = correction["before"], correction["after"]
    session.execute(instruction_corrections.insert().values(
        instruction_id=instruction_id, corrected_at=now, corrected_by=user or "",
        reason=correction["reason"],
        **{f"{name}_before": value for name, value in before.items()},
        **{f"{name}_after": value for name, value in after.items()}))
    session.execute(instructions.update().where(instructions.c.id == instruction_id)
                    .values(**after))


def corrections_of(session, instruction_ids):
    """{instruction id: [{at, by, reason, before, after}], oldest first}, in one
    query for a page of instructions; dates as ISO text."""
    answer = {}
    if instruction_ids:
        for row in session.execute(
            select(instruction_corrections)
            .where(instruction_corrections.c.instruction_id.in_(instruction_ids))
            .order_by(instruction_corrections.c.id)
        ):
            answer.setdefault(row.instruction_id, []).append({
                "at": utc_iso(row.corrected_at), "by": row.corrected_by, "reason": row.reason,
                "before": {"text": row.text_before, "leader_name": row.leader_name_before,
                           "given_on": iso(row.given_on_before)},
                "after": {"text": row.text_after, "leader_name": row.leader_name_after,
                          "given_on": iso(row.given_on_after)}})
    return answer


def leader_instructed(session, task_code, leader):
    """Whether `leader` gave an instruction on the task."""
    return session.execute(
        select(instructions.c.id).where(instructions.c.task_code == task_code)
        .where(instructions.c.leader == leader).limit(1)).first() is not None


def instruction_dict(row):
    return {
        "id": row.id, "task": row.task_code, "kind": row.kind, "parent": row.parent_id,
        "leader": row.leader, "leader_name": row.leader_name,
        "given_on": iso(row.given_on), "text": row.text,
        "recorded_by": row.recorded_by, "recorded_at": iso(row.recorded_at),
    }


def list_instructions(session, limit, offset, scope=None, leader=None, task=None):
    """Instructions, newest given first, within `scope` (unit codes taking part in
    the task, or None for all): {"items": [instruction], "total"}."""
    query = select(instructions)
    if leader is not None:
        query = query.where(instructions.c.leader == leader)
    if task is not None:
        query = query.where(instructions.c.task_code == task)
    if scope is not None:
        query = query.where(instructions.c.task_code.in_(
            select(task_units.c.task_code).where(task_units.c.unit_code.in_(sorted(scope)))))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(instructions.c.given_on.desc(),
                                          instructions.c.id.desc())
                           .limit(limit).offset(offset)).all()
    return {"items": [instruction_dict(row) for row in rows], "total": total}


def follow_ups(session, instruction_ids):
    """{instruction id: [follow-up instruction dicts]}."""
    answer = {}
    if instruction_ids:
        for row in session.execute(
            select(instructions).where(instructions.c.parent_id.in_(instruction_ids))
            .order_by(instructions.c.id)
        ):
            answer.setdefault(row.parent_id, []).append(instruction_dict(row))
    return answer


def insert_stage_feedback(session, task_code, stage, text, evidence_ids, user, now):
    """Keep a stage's feedback; answers its id."""
    return session.execute(stage_feedback.insert().values(
        task_code=task_code, stage=stage, text=text, evidence_ids=evidence_ids,
        given_by=user, given_at=now)).inserted_primary_key[0]


def feedback_of(session, task_codes):
    """{task code: [feedback dicts, oldest first]} with each file's name."""
    answer = {}
    if not task_codes:
        return answer
    rows = session.execute(
        select(stage_feedback).where(stage_feedback.c.task_code.in_(task_codes))
        .order_by(stage_feedback.c.id)).all()
    files = _evidence_names(session, {i for row in rows for i in row.evidence_ids or ()})
    for row in rows:
        answer.setdefault(row.task_code, []).append({
            "id": row.id, "task": row.task_code, "stage": row.stage, "text": row.text,
            "files": [files[i] for i in row.evidence_ids or () if i in files],
            "given_by": row.given_by, "given_at": iso(row.given_at)})
    return answer


def clocks_of(session, task_codes):
    """{task code: [{stage, recorded_at}]}."""
    answer = {}
    if task_codes:
        for stage in session.execute(
            select(clock_stages).where(clock_stages.c.task_code.in_(task_codes))
            .order_by(clock_stages.c.recorded_at)
        ):
            answer.setdefault(stage.task_code, []).append(
                {"stage": stage.stage, "recorded_at": iso(stage.recorded_at)})
    return answer


def insert_message(session, task_code, author, side, unit, text, evidence_ids, now):
    """Keep a thread message; answers its id."""
    return session.execute(task_messages.insert().values(
        task_code=task_code, author=author, author_role=side, author_unit=unit, text=text,
        evidence_ids=evidence_ids, posted_at=now)).inserted_primary_key[0]


def list_messages(session, task_code, limit, offset, message_id=None):
    """A task's thread (or its one message `message_id`), oldest first:
    {"items": [message], "total"}."""
    query = select(task_messages).where(task_messages.c.task_code == task_code)
    if message_id is not None:
        query = query.where(task_messages.c.id == message_id)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(task_messages.c.id).limit(limit)
                           .offset(offset)).all()
    files = _evidence_names(session, {i for row in rows for i in row.evidence_ids or ()})
    return {"items": [{
        "id": row.id, "task": row.task_code, "author": row.author,
        "side": row.author_role, "unit": row.author_unit, "text": row.text,
        "files": [files[i] for i in row.evidence_ids or () if i in files],
        "posted_at": iso(row.posted_at)} for row in rows], "total": total}


def _evidence_names(session, ids):
    if not ids:
        return {}
    return {row.id: {"id": row.id, "filename": row.filename,
                     "content_type": row.content_type, "size": row.size}
            for row in session.execute(
                select(evidence.c.id, evidence.c.filename, evidence.c.content_type,
                       evidence.c.size).where(evidence.c.id.in_(sorted(ids))))}
