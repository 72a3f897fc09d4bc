"""Reading and writing the tasks service's tables; answers plain dicts."""
from sqlalchemy import func, select

from services.common.clock import iso

from .models import (
    clock_stages,
    commitments,
    evidence,
    extensions,
    progress_batches,
    progress_reports,
    targets,
    task_units,
    tasks,
    units,
)


def unit_dict(row):
    return {
        "code": row.code, "name": row.name, "kind": row.kind, "parent": row.parent,
        "head": row.head, "operator": row.operator,
    }


def unit_parents(session):
    return dict(session.execute(select(units.c.code, units.c.parent)).all())


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
        "targets": [target_dict(target) for target in task_targets],
    }


def target_dict(row):
    return {
        "seq": row.seq, "due_date": iso(row.due_date),
        "planned_percent": row.planned_percent, "description": row.description,
        "unit": row.unit,
    }


def tasks_with_parts(session, rows):
    """Task dicts with their targets and cooperating units, in two queries."""
    codes = [row.code for row in rows]
    by_task_targets, by_task_units = {}, {}
    if codes:
        for target in session.execute(
            select(targets).where(targets.c.task_code.in_(codes)).order_by(targets.c.seq)
        ):
            by_task_targets.setdefault(target.task_code, []).append(target)
        for link in session.execute(
            select(task_units).where(task_units.c.task_code.in_(codes))
            .where(task_units.c.role == "cooperating")
        ):
            by_task_units.setdefault(link.task_code, []).append(link.unit_code)
    return [
        task_dict(row, by_task_targets.get(row.code, ()), by_task_units.get(row.code, ()))
        for row in rows
    ]


def task_query(scope=None, unit=None, status=None, category=None, source=None, codes=None):
    query = select(tasks)
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
        {"stage": stage.stage, "recorded_at": iso(stage.recorded_at)}
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
    return task


def evidence_dict(row):
    return {
        "id": row.id, "task": row.task_code, "sha256": row.sha256, "filename": row.filename,
        "content_type": row.content_type, "size": row.size,
        "uploaded_at": iso(row.uploaded_at),
    }


def commitment_dict(row):
    return {
        "id": row.id, "task": row.task_code, "unit": row.unit, "step": row.step,
        "promised_date": iso(row.promised_date), "result": row.result,
        "status": row.status, "created_at": iso(row.created_at),
        "fulfilled_at": iso(row.fulfilled_at),
    }


def stored_batch(session, caller, key):
    """The batch stored earlier under this caller's Idempotency-Key, or None."""
    return session.execute(
        select(progress_batches.c.digest, progress_batches.c.answer)
        .where(progress_batches.c.caller == ((caller or {}).get("user") or ""))
        .where(progress_batches.c.key == key)
    ).first()
