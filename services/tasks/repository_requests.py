"""Reading and writing the evidence of reports, the evidence rules and the
extension requests."""
from sqlalchemy import func, select

from services.common.clock import iso
from services.common.rule_versions import RuleVersions

from .evidence_rules import DECISION_NAMES, PENDING, EvidenceRules
from .models import (
    evidence,
    evidence_rules,
    extension_requests,
    extensions,
    progress_reports,
    targets,
)

EVIDENCE_RULES = RuleVersions(evidence_rules, EvidenceRules)


def unclaimed_uploads(session, ids):
    """{evidence id: task code} of the files among `ids` no report names yet."""
    ids = sorted({i for i in ids if isinstance(i, int)})
    if not ids:
        return {}
    return {row.id: row.task_code for row in session.execute(
        select(evidence.c.id, evidence.c.task_code).where(evidence.c.id.in_(ids))
        .where(evidence.c.report_id.is_(None)))}


def target_seqs(session, codes):
    """{task code: {seq}} of the targets in force of the tasks among `codes`."""
    found = {}
    if not codes:
        return found
    for row in session.execute(select(targets.c.task_code, targets.c.seq)
                               .where(targets.c.task_code.in_(sorted(codes)))
                               .where(targets.c.replaced_in.is_(None))):
        found.setdefault(row.task_code, set()).add(row.seq)
    return found


def attach_evidence(session, report_id, ids):
    if ids:
        session.execute(evidence.update().where(evidence.c.id.in_(list(ids)))
                        .values(report_id=report_id))


def reports_with_evidence(session, code):
    """The task's reports that carry files, oldest first: [{id, unit, percent,
    received_at, evidence: [{id, filename, content_type, size, sha256}]}]."""
    rows = session.execute(
        select(evidence, progress_reports.c.unit_code, progress_reports.c.percent,
               progress_reports.c.received_at)
        .join(progress_reports, progress_reports.c.id == evidence.c.report_id)
        .where(evidence.c.task_code == code).order_by(evidence.c.report_id, evidence.c.id))
    reports = {}
    for row in rows:
        report = reports.setdefault(row.report_id, {
            "id": row.report_id, "unit": row.unit_code, "percent": row.percent,
            "received_at": iso(row.received_at), "evidence": []})
        report["evidence"].append({"id": row.id, "filename": row.filename,
                                   "content_type": row.content_type, "size": row.size,
                                   "sha256": row.sha256})
    return list(reports.values())


# Extension requests -------------------------------------------------------------

def insert_request(session, code, seq, unit, previous, asked, reason, user, now):
    return session.execute(extension_requests.insert().values(
        task_code=code, seq=seq, unit=unit, previous_due_date=previous,
        asked_due_date=asked, reason=reason, requested_by=user, requested_at=now,
        status=PENDING)).inserted_primary_key[0]


def request_row(session, request_id):
    return session.execute(select(extension_requests)
                           .where(extension_requests.c.id == request_id)).first()


def pending_for(session, code, seq):
    """Whether the task's due date (`seq` None) or its target's has a pending request."""
    return session.execute(
        select(extension_requests.c.id).where(extension_requests.c.task_code == code)
        .where(extension_requests.c.seq.is_(None) if seq is None
               else extension_requests.c.seq == seq)
        .where(extension_requests.c.status == PENDING)).first() is not None


def latest_extension_id(session, code):
    return session.execute(select(func.max(extensions.c.id))
                           .where(extensions.c.task_code == code)).scalar()


def decide(session, request_id, status, granted, reason, user, now, extension_id):
    session.execute(extension_requests.update().where(extension_requests.c.id == request_id)
                    .values(status=status, granted_due_date=granted, decision_reason=reason,
                            decided_by=user, decided_at=now, extension_id=extension_id))


def request_dict(row):
    return {"id": row.id, "task": row.task_code, "seq": row.seq, "unit": row.unit,
            "previous_due_date": iso(row.previous_due_date),
            "asked_due_date": iso(row.asked_due_date), "reason": row.reason,
            "requested_by": row.requested_by, "requested_at": iso(row.requested_at),
            "status": row.status, "status_name": DECISION_NAMES.get(row.status, row.status),
            "granted_due_date": iso(row.granted_due_date),
            "decision_reason": row.decision_reason, "decided_by": row.decided_by,
            "decided_at": iso(row.decided_at)}


def requests_of(session, code):
    return [request_dict(row) for row in session.execute(
        select(extension_requests).where(extension_requests.c.task_code == code)
        .order_by(extension_requests.c.id))]


def list_requests(session, limit, offset, scope=None, status=None, unit=None, task=None):
    """Requests within `scope` (unit codes, or None for all), oldest first for the
    pending (the queue), newest first otherwise: {"items", "total", "counts":
    {status: n}} (the counts within the scope, whatever the filters)."""
    base = select(extension_requests)
    if scope is not None:
        base = base.where(extension_requests.c.unit.in_(sorted(scope)))
    counts = {status_: 0 for status_ in DECISION_NAMES}
    within = base.subquery()
    for status_, count in session.execute(
            select(within.c.status, func.count()).group_by(within.c.status)):
        counts[status_] = count
    query = base
    for column, value in ((extension_requests.c.status, status),
                          (extension_requests.c.unit, unit),
                          (extension_requests.c.task_code, task)):
        if value is not None:
            query = query.where(column == value)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    order = (extension_requests.c.id if status == PENDING
             else extension_requests.c.id.desc())
    rows = session.execute(query.order_by(order).limit(limit).offset(offset)).all()
    return {"items": [request_dict(row) for row in rows], "total": total, "counts": counts}
