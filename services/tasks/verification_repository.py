"""Reading and writing the requests the office verifies (复核) and its
verification policy; answers plain dicts."""
from sqlalchemy import func, select

from services.common.bulk import among
from services.common.clock import iso
from services.common.rule_versions import RuleVersions

from .models import tasks, units, verification_policies, verifications
from .verification import PENDING, VerificationPolicy

POLICY = RuleVersions(verification_policies, VerificationPolicy)


def verification_dict(row):
    return {
        "id": row.id, "kind": row.kind, "task": row.task_code, "unit": row.unit,
        "subject": row.subject, "claim": row.claim, "status": row.status,
        "policy_version": row.policy_version, "draw": row.draw,
        "status_before": row.status_before, "requested_by": row.requested_by,
        "requested_at": iso(row.requested_at), "decided_by": row.decided_by,
        "decided_at": iso(row.decided_at), "reason": row.reason,
    }


def insert(session, kind, task_code, unit, subject, claim, status, policy_version, draw,
           status_before, user, now):
    """Keep a request; answers its id."""
    return session.execute(verifications.insert().values(
        kind=kind, task_code=task_code, unit=unit, subject=subject, claim=claim,
        status=status, policy_version=policy_version, draw=draw,
        status_before=status_before, requested_by=user, requested_at=now,
    )).inserted_primary_key[0]


def row(session, verification_id):
    if isinstance(verification_id, bool) or not isinstance(verification_id, int):
        return None
    return session.execute(
        select(verifications).where(verifications.c.id == verification_id)).first()


def decide(session, verification_id, status, user, now, reason=None):
    session.execute(verifications.update().where(verifications.c.id == verification_id)
                    .values(status=status, decided_by=user, decided_at=now, reason=reason))


def pending_for(session, kind, task_code, subject=None):
    """The pending request of `kind` on the task (and subject), or None."""
    query = (select(verifications).where(verifications.c.kind == kind)
             .where(verifications.c.task_code == task_code)
             .where(verifications.c.status == PENDING))
    if subject is not None:
        query = query.where(verifications.c.subject == subject)
    return session.execute(query.limit(1)).first()


def of_tasks(session, codes):
    """{task code: [verification, oldest first]} of the tasks among `codes`."""
    found = {}
    if not codes:
        return found
    for item in session.execute(
            select(verifications).where(among(session, verifications.c.task_code, list(codes)))
            .order_by(verifications.c.id)):
        found.setdefault(item.task_code, []).append(verification_dict(item))
    return found


def of_commitments(session, ids):
    """{commitment id: the latest request on it}."""
    found = {}
    if not ids:
        return found
    for item in session.execute(
            select(verifications).where(verifications.c.kind == "commitment")
            .where(verifications.c.subject.in_([str(i) for i in ids]))
            .order_by(verifications.c.id)):
        found[int(item.subject)] = verification_dict(item)
    return found


def _filtered(query, status=None, kind=None, scope=None, task=None):
    if isinstance(status, tuple):
        query = query.where(verifications.c.status.in_(status))
    elif status is not None:
        query = query.where(verifications.c.status == status)
    if kind is not None:
        query = query.where(verifications.c.kind == kind)
    if scope is not None:
        query = query.where(verifications.c.unit.in_(sorted(scope)))
    if task is not None:
        query = query.where(verifications.c.task_code == task)
    return query


def listing(session, limit, offset, status=None, kind=None, scope=None, task=None):
    """A page of requests, oldest first, each with its task's title and its
    unit's name: {"items", "total"}."""
    query = _filtered(
        select(verifications, tasks.c.title.label("task_title"),
               units.c.name.label("unit_name"))
        .join(tasks, tasks.c.code == verifications.c.task_code)
        .join(units, units.c.code == verifications.c.unit),
        status, kind, scope, task)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(verifications.c.requested_at, verifications.c.id)
                           .limit(limit).offset(offset)).all()
    return {"items": [{**verification_dict(item), "task_title": item.task_title,
                       "unit_name": item.unit_name} for item in rows], "total": total}


def pending_counts(session, scope=None):
    """[(kind, number)] of the requests waiting for the office."""
    query = _filtered(select(verifications.c.kind, func.count())
                      .group_by(verifications.c.kind), status=PENDING, scope=scope)
    return [(kind, number) for kind, number in session.execute(query)]
