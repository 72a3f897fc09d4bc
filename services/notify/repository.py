"""Reading and writing the notify service's tables; answers plain dicts."""
from sqlalchemy import func, select

from services.common.db import insert_ignoring_conflicts

from .models import contacts, notifications


def save_contacts(session, unit):
    insert_ignoring_conflicts(session, contacts, [
        {"unit": unit["code"], "name": unit["name"], "head": unit["head"],
         "operator": unit["operator"]}])


def unit_names(session, codes):
    return dict(session.execute(
        select(contacts.c.unit, contacts.c.name).where(contacts.c.unit.in_(codes))).all())


def save_notifications(session, rows):
    """Keep the rows, skipping any whose (task, colour, as_of, channel, recipient)
    is kept already."""
    insert_ignoring_conflicts(session, notifications, rows)


def notification_dict(row):
    return {
        "id": row.id, "channel": row.channel, "recipient": row.recipient,
        "unit": row.unit, "task": row.task, "subject": row.subject, "body": row.body,
        "status": row.status, "created_at": row.created_at.isoformat(),
    }


def list_notifications(session, limit, offset, task=None, unit=None):
    query = select(notifications)
    if task:
        query = query.where(notifications.c.task == task)
    if unit:
        query = query.where(notifications.c.unit == unit)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    # Ids grow with every insert, so the highest is the newest.
    rows = session.execute(
        query.order_by(notifications.c.id.desc()).limit(limit).offset(offset)).all()
    return {"items": [notification_dict(row) for row in rows], "total": total}
