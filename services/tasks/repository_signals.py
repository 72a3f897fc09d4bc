"""Reading what the signals of gamed numbers are found in (reports, evidence,
targets, 13710 stages of the tasks touched), and storing and listing the
signals. Set-based: one query per kind of row for all the tasks touched."""
from sqlalchemy import func, select

from services.common.bulk import among, insert_ignoring_conflicts
from services.common.clock import iso

from .models import (
    clock_stages,
    evidence,
    gaming_signals,
    progress_reports,
    targets,
    tasks,
    units,
)
from .signals import KIND_NAMES, STATUS_NAMES, STATUSES

# The reports of a unit read to see how its latest ones were filed: enough for a
# run of LAST_HOUR_REPORTS batches of a few tasks each.
UNIT_REPORTS_READ = 200


def tasks_of(session, codes):
    """{code: {code, lead_unit, start_date, due_date, clock_class, percent}}: the
    tasks as the detectors read them (signals.task_of)."""
    if not codes:
        return {}
    return {row["code"]: row for row in _dicts(session.execute(
        select(tasks.c.code, tasks.c.lead_unit, tasks.c.start_date,
               tasks.c.due_date, tasks.c.clock_class, tasks.c.percent)
        .where(among(session, tasks.c.code, sorted(codes)))))}


def reports_of(session, codes):
    """{task: [{id, task, unit, percent, batch, received_at}]} of the tasks."""
    found = {code: [] for code in codes}
    if not codes:
        return found
    for row in _dicts(session.execute(_reports().where(
            among(session, progress_reports.c.task_code, sorted(codes))))):
        found[row["task"]].append(row)
    return found


def _dicts(result):
    """The rows of `result` as dicts, built from plain tuples: dict(row._mapping)
    took 5 ms of a batch of reports for its thousand tasks, this 1 ms."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.tuples().all()]


def unit_reports(session, unit_codes):
    """{unit: [report]} of each unit's latest UNIT_REPORTS_READ reports, in one
    query for all the units."""
    found = {unit: [] for unit in unit_codes}
    if not unit_codes:
        return found
    latest = _reports().add_columns(func.row_number().over(
        partition_by=progress_reports.c.unit_code,
        order_by=(progress_reports.c.received_at.desc(), progress_reports.c.id.desc()),
    ).label("place")).where(among(session, progress_reports.c.unit_code,
                                  sorted(unit_codes))).subquery()
    report = [column for column in latest.c if column.key != "place"]
    for row in _dicts(session.execute(select(*report)
                                      .where(latest.c.place <= UNIT_REPORTS_READ))):
        found[row["unit"]].append(row)
    return found


def _reports():
    return select(progress_reports.c.id, progress_reports.c.task_code.label("task"),
                  progress_reports.c.unit_code.label("unit"), progress_reports.c.percent,
                  progress_reports.c.batch_id.label("batch"), progress_reports.c.received_at)


def evidence_counts(session, codes):
    """{task: how many evidence files it has}."""
    if not codes:
        return {}
    return dict(session.execute(
        select(evidence.c.task_code, func.count()).where(
            among(session, evidence.c.task_code, sorted(codes))).group_by(evidence.c.task_code))
        .all())


def uses_of_files(session, codes):
    """Every use, in a report, of the files supporting the tasks' reports: [{id,
    sha256, task, unit (the reporting unit), uploaded_at}]. A file not named by a
    report (an upload waiting for its report, one kept in a thread or at a 13710
    stage) is no use: the office may well send one notice to many tasks."""
    if not codes:
        return []
    digests = (select(evidence.c.sha256)
               .where(among(session, evidence.c.task_code, sorted(codes)))
               .where(evidence.c.report_id.is_not(None)))
    rows = session.execute(
        select(evidence.c.id, evidence.c.sha256, evidence.c.task_code.label("task"),
               progress_reports.c.unit_code.label("unit"), evidence.c.uploaded_at)
        .join(progress_reports, progress_reports.c.id == evidence.c.report_id)
        .where(evidence.c.sha256.in_(digests)))
    return _dicts(rows)


def deadline_days(session, codes):
    """{task: {its due date and its targets' due dates}}."""
    found = {}
    if not codes:
        return found
    for row in session.execute(select(tasks.c.code, tasks.c.due_date)
                               .where(among(session, tasks.c.code, sorted(codes)))):
        found.setdefault(row.code, set()).add(row.due_date)
    for row in session.execute(select(targets.c.task_code, targets.c.due_date)
                               .where(among(session, targets.c.task_code, sorted(codes)))):
        found.setdefault(row.task_code, set()).add(row.due_date)
    return found


def stages_of(session, codes):
    """{task: {stage: received_at}}."""
    found = {}
    if not codes:
        return found
    for row in session.execute(select(clock_stages).where(
            among(session, clock_stages.c.task_code, sorted(codes)))):
        found.setdefault(row.task_code, {})[row.stage] = row.received_at
    return found


def unit_names(session, codes):
    if not codes:
        return {}
    return dict(session.execute(select(units.c.code, units.c.name)
                                .where(among(session, units.c.code, sorted(codes)))).all())


def kept_keys(session, keys):
    """Those of the signals' keys that are kept (by the keys' unique index)."""
    if not keys:
        return set()
    return set(session.scalars(select(gaming_signals.c.key).where(
        among(session, gaming_signals.c.key, sorted(keys)))))


def store_signals(session, found, now):
    """Keep the signals whose key is new. Answers how many were."""
    return insert_ignoring_conflicts(session, gaming_signals, [{
        "key": signal.key, "kind": signal.kind, "task_code": signal.task, "unit": signal.unit,
        "detail": signal.detail, "evidence_ids": list(signal.evidence_ids), "first_seen": now,
        "status": "open"} for signal in found])


def signal_row(session, signal_id):
    return session.execute(select(gaming_signals)
                           .where(gaming_signals.c.id == signal_id)).first()


def review_signal(session, signal_id, status, note, user, now):
    session.execute(gaming_signals.update().where(gaming_signals.c.id == signal_id)
                    .values(status=status, note=note, reviewed_by=user, reviewed_at=now))


def _with_names():
    return (select(gaming_signals, tasks.c.title, units.c.name.label("unit_name"))
            .join(tasks, tasks.c.code == gaming_signals.c.task_code)
            .join(units, units.c.code == gaming_signals.c.unit))


def list_signals_by_id(session, ids):
    return [signal_dict(row) for row in session.execute(
        _with_names().where(gaming_signals.c.id.in_(list(ids))).order_by(gaming_signals.c.id))]


def list_signals(session, limit, offset, kind=None, status=None, unit=None):
    """{items: [signal with its task's title and its unit's name], total, counts:
    {status: n} (by kind and unit, whatever the status asked)}; newest first."""
    query = _with_names()
    counting = select(gaming_signals.c.status, func.count()).group_by(gaming_signals.c.status)
    for column, value in ((gaming_signals.c.kind, kind), (gaming_signals.c.unit, unit)):
        if value is not None:
            query, counting = query.where(column == value), counting.where(column == value)
    counts = dict.fromkeys(STATUSES, 0) | dict(session.execute(counting).all())
    if status is not None:
        query = query.where(gaming_signals.c.status == status)
    rows = session.execute(query.order_by(gaming_signals.c.id.desc())
                           .limit(limit).offset(offset)).all()
    return {"items": [signal_dict(row) for row in rows],
            "total": counts.get(status, 0) if status else sum(counts.values()),
            "counts": counts}


def signal_dict(row):
    mapping = row._mapping
    return {"id": row.id, "kind": row.kind, "kind_name": KIND_NAMES.get(row.kind, row.kind),
            "task": row.task_code, "title": mapping["title"],
            "unit": row.unit, "unit_name": mapping["unit_name"],
            "detail": row.detail, "evidence_ids": list(row.evidence_ids or ()),
            "first_seen": iso(row.first_seen), "status": row.status,
            "status_name": STATUS_NAMES.get(row.status, row.status),
            "reviewed_by": row.reviewed_by, "reviewed_at": iso(row.reviewed_at),
            "note": row.note}
