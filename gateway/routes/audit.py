"""The audit log of every write, for admins."""
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from ..auth import Admin
from ..db import DbSession
from ..models import AuditEntry
from ..schemas import AuditEntryOut, AuditPage, Limit, Offset, UtcDatetime
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
def list_audit(db: DbSession, caller: Admin,
               user: Annotated[str | None, Query(max_length=100)] = None,
               path: Annotated[str | None, Query(max_length=1000,
                                                 description="a path prefix")] = None,
               since: UtcDatetime | None = None, until: UtcDatetime | None = None,
               limit: Limit = 100, offset: Offset = 0):
    """Write requests, exports and file downloads, newest first: `user`
    exactly, `path` as a prefix, `since` inclusive and `until` exclusive
    (times with an offset)."""
    conditions = []
    if user is not None:
        conditions.append(AuditEntry.user == user)
    if path is not None:
        # A prefix match that treats % and _ in the prefix as themselves.
        conditions.append(func.substr(AuditEntry.path, 1, len(path)) == path)
    if since is not None:
        conditions.append(AuditEntry.at >= since.replace(tzinfo=None))
    if until is not None:
        conditions.append(AuditEntry.at < until.replace(tzinfo=None))
    total = db.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    rows = db.scalars(select(AuditEntry).where(*conditions)
                      .order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return AuditPage(items=[AuditEntryOut.of(row) for row in rows], total=total)
