"""The audit log of every write, for admins.

The log is kept for ever and grows by every write and every batch, so a page
is read without counting or skipping the whole table: the rows are paged by a
cursor (`before_id`, the keyset), the count stops at TOTAL_CAP, and each filter
is one an index answers (the user, the time, the path as a prefix).
"""
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import Select, func, select, tuple_

from ..auth import Admin
from ..db import DbSession
from ..models import AuditEntry
from ..schemas import AuditEntryOut, AuditPage, Limit, Offset, UtcDatetime
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/audit", tags=["audit"])

# Up to this many matching rows are counted exactly; beyond it `total` is the cap
# and `total_exact` false ("10000 条以上"), so that no page counts millions of rows.
TOTAL_CAP = 10_000
LIKE_ESCAPE = "\\"


def following(prefix: str) -> str | None:
    """The least string greater than every string that starts with `prefix`, in
    code point order (the order of SQLite's BINARY collation on UTF-8); None when
    there is none (an empty prefix, or one of only the last code point)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if last == 0xD800:  # surrogates are not text a database stores
            last = 0xE000
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


def path_prefix(prefix: str, dialect: str) -> list:
    """The conditions of `path` starting with `prefix`, each of them one an index
    answers. PostgreSQL: LIKE 'prefix%' (its % and _ escaped), which the
    pattern-ops index on path serves whatever the database's collation. SQLite:
    the range [prefix, following(prefix)) on the plain index, since SQLite's LIKE
    ignores case and uses no index."""
    if dialect == "postgresql":
        escaped = "".join(LIKE_ESCAPE + char if char in "%_" + LIKE_ESCAPE else char
                          for char in prefix)
        return [AuditEntry.path.like(escaped + "%", escape=LIKE_ESCAPE)]
    upper = following(prefix)
    conditions = [AuditEntry.path >= prefix]
    if upper is not None:
        conditions.append(AuditEntry.path < upper)
    return conditions


def conditions(dialect: str, user=None, path=None, since=None, until=None) -> list:
    """The WHERE of a listing: `user` exactly, `path` as a prefix, `since`
    inclusive and `until` exclusive (aware datetimes; the log keeps UTC)."""
    found = []
    if user is not None:
        found.append(AuditEntry.user == user)
    if path:
        found.extend(path_prefix(path, dialect))
    if since is not None:
        found.append(AuditEntry.at >= since.replace(tzinfo=None))
    if until is not None:
        found.append(AuditEntry.at < until.replace(tzinfo=None))
    return found


def page_query(where: list, before_id: int | None, limit: int, offset: int) -> Select:
    """The rows of a page, newest first, and one more to tell whether another
    page follows; with `before_id`, the rows listed after that row.

    Newest first is by (at, id), the order of one index, not by id alone: a
    time filter is then a range of that index however old it is, where an
    order by id would walk back from the newest row through every row after
    the range. The cursor is the row's id; its `at` is read by the key."""
    if before_id is not None:
        at = select(AuditEntry.at).where(AuditEntry.id == before_id).scalar_subquery()
        where = [*where, tuple_(AuditEntry.at, AuditEntry.id) < tuple_(at, before_id)]
    return (select(AuditEntry).where(*where)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit + 1).offset(offset))


def count_query(where: list) -> Select:
    """How many rows match, counted up to TOTAL_CAP + 1 and no further."""
    matching = select(AuditEntry.id).where(*where).limit(TOTAL_CAP + 1).subquery()
    return select(func.count()).select_from(matching)


@router.get("", response_model=AuditPage)
def list_audit(db: DbSession, caller: Admin,
               user: Annotated[str | None, Query(max_length=100)] = None,
               path: Annotated[str | None, Query(max_length=1000,
                                                 description="a path prefix")] = None,
               since: UtcDatetime | None = None, until: UtcDatetime | None = None,
               before_id: Annotated[int | None, Query(
                   ge=1, le=2**63 - 1,
                   description="only the rows listed after the row of this id: "
                               "the next page is before_id=next_before_id")] = None,
               limit: Limit = 100, offset: Offset = 0):
    """Write requests, exports and file downloads, newest first: `user`
    exactly, `path` as a prefix, `since` inclusive and `until` exclusive
    (times with an offset). Page with `before_id` (the page's `next_before_id`),
    which holds its place while rows are added; `offset` counts from the newest
    (or from `before_id`). `total` counts the matching rows (all of them, not
    only those before `before_id`) exactly up to 10,000; beyond that it is
    10,000 and `total_exact` is false."""
    where = conditions(db.get_bind().dialect.name, user, path, since, until)
    counted = db.scalar(count_query(where))
    rows = db.scalars(page_query(where, before_id, limit, offset)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(items=[AuditEntryOut.of(row) for row in rows],
                     total=min(counted, TOTAL_CAP), total_exact=counted <= TOTAL_CAP,
                     next_before_id=rows[-1].id if more else None)
