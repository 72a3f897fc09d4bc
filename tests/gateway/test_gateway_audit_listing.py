"""GET /api/v1/audit stays fast however long the log grows: pages follow a
cursor (`before_id`) that holds its place while rows are added, the count stops
at a cap and says so, and every filter (the path as a prefix, the time, the
user) is read from an index, on PostgreSQL as EXPLAIN shows on 50,000 rows."""
import datetime as dt

import pytest
from sqlalchemy import text

from gateway.audit import append
from gateway.db import Database
from gateway.routes import audit as listing
from gateway.schema import upgrade as upgrade_schema
from tests.support.postgres import private_database

# A fixed moment, so that nothing depends on the real date.
NOON = dt.datetime(2026, 3, 2, 12, 0)


def _entry(path, at, user="admin"):
    return {"user": user, "role": "admin", "api_key": None, "caller_units": None,
            "units": [], "method": "POST", "path": path, "route": None, "target": None,
            "status": 200, "address": "testclient", "request": None, "response": None,
            "at": at}


def _write(database, *entries):
    with database.session() as db:
        return [append(db, entry).id for entry in entries]


def _audit(client, admin, **params):
    response = client.get("/api/v1/audit", headers=admin, params={
        name: value for name, value in params.items() if value is not None})
    assert response.status_code == 200, response.text
    return response.json()


def _walk(client, admin, size, between=None, **params):
    """Every id the listing gives page by page through next_before_id;
    `between(number)` runs after each page."""
    ids, cursor, number = [], None, 0
    while True:
        page = _audit(client, admin, limit=size, before_id=cursor, **params)
        ids += [item["id"] for item in page["items"]]
        number += 1
        if between:
            between(number)
        cursor = page["next_before_id"]
        if cursor is None:
            return ids
        assert cursor == ids[-1]


def test_pages_hold_their_place_while_rows_are_added(client, admin, app):
    database = app.state.db
    # Rows of the same moment are ordered by id; a later row written with an
    # earlier clock (a gateway behind the others) is listed by its time.
    first = _write(database, *[_entry(f"/test/a/{n}", NOON + dt.timedelta(minutes=n // 3))
                               for n in range(10)])
    first += _write(database, _entry("/test/a/late", NOON - dt.timedelta(hours=1)))
    listed = _audit(client, admin, path="/test/", limit=100)
    expected = [item["id"] for item in listed["items"]]
    assert sorted(expected) == sorted(first) and expected[-1] == first[-1]
    assert listed["total"] == 11 and listed["total_exact"] is True
    assert listed["next_before_id"] is None

    added = []

    def add_rows(number):
        added.extend(_write(database, _entry(f"/test/b/{number}", NOON + dt.timedelta(hours=1)),
                            _entry(f"/test/b/{number}x", NOON + dt.timedelta(minutes=1))))

    walked = _walk(client, admin, 3, between=add_rows, path="/test/a/")
    assert walked == expected, "no row twice, none skipped, in the order of one listing"
    assert len(added) == 8
    # The rows added meanwhile are listed when the listing starts again.
    again = _walk(client, admin, 4, path="/test/")
    assert len(again) == len(set(again)) == 19 and set(added) <= set(again)


def test_offset_still_pages_and_counts_from_the_cursor(client, admin, app):
    ids = _write(app.state.db, *[_entry(f"/test/{n}", NOON + dt.timedelta(seconds=n))
                                 for n in range(5)])
    newest_first = ids[::-1]
    assert [i["id"] for i in _audit(client, admin, path="/test/", limit=2,
                                    offset=1)["items"]] == newest_first[1:3]
    page = _audit(client, admin, path="/test/", limit=2, offset=1, before_id=newest_first[1])
    assert [item["id"] for item in page["items"]] == newest_first[3:5]
    assert page["next_before_id"] is None and page["total"] == 5


def test_the_count_stops_at_its_cap_and_says_so(client, admin, app, monkeypatch):
    monkeypatch.setattr(listing, "TOTAL_CAP", 4)
    _write(app.state.db, *[_entry(f"/test/{n}", NOON) for n in range(4)])
    exact = _audit(client, admin, path="/test/")
    assert (exact["total"], exact["total_exact"]) == (4, True)
    _write(app.state.db, _entry("/test/5", NOON))
    capped = _audit(client, admin, path="/test/", limit=2)
    assert (capped["total"], capped["total_exact"]) == (4, False)
    assert len(capped["items"]) == 2 and capped["next_before_id"] is not None


def test_the_path_is_a_prefix_taken_literally(client, admin, app):
    _write(app.state.db, _entry("/test/t%x", NOON), _entry("/test/tax", NOON),
           _entry("/test/T_a", NOON), _entry("/test/tz", NOON),
           _entry("/test/t\U0010ffff", NOON), _entry("/test/u", NOON))

    def paths(prefix):
        return sorted(item["path"] for item in _audit(client, admin, path=prefix)["items"])

    assert paths("/test/t%") == ["/test/t%x"]
    assert paths("/test/T_") == ["/test/T_a"]
    assert paths("/test/t") == ["/test/t%x", "/test/tax", "/test/tz", "/test/t\U0010ffff"]
    assert paths("/test/T") == ["/test/T_a"], "case counts"
    assert paths("/test/t\U0010ffff") == ["/test/t\U0010ffff"]


def test_the_range_ends_after_every_string_of_the_prefix():
    assert listing.following("/api/v1/tasks") == "/api/v1/taskt"
    assert listing.following("a\U0010ffff") == "b"
    assert listing.following("a\ud7ff") == "a\ue000"
    assert listing.following("\U0010ffff") is None and listing.following("") is None


def test_a_cursor_out_of_range_is_refused(client, admin):
    for value in (0, -1, 2**63, "x"):
        assert client.get("/api/v1/audit", params={"before_id": value},
                          headers=admin).status_code == 422


# On PostgreSQL --------------------------------------------------------------------

ROWS = 50_000
# Each listing, and the index it must be read from.
LISTINGS = {
    "path": ({"path": "/api/v1/tasks/T4711"}, "ix_audit_log_path"),
    "recent": ({"since": dt.datetime(2026, 9, 1, tzinfo=dt.UTC)}, "ix_audit_log_at_id"),
    # The oldest rows: an order by id alone would walk back through all the others.
    "old": ({"until": dt.datetime(2024, 2, 1, tzinfo=dt.UTC)}, "ix_audit_log_at_id"),
    "window": ({"since": dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
                "until": dt.datetime(2024, 6, 8, tzinfo=dt.UTC)}, "ix_audit_log_at_id"),
    "user": ({"user": "user7"}, "ix_audit_log_user_at_id"),
    "user-old": ({"user": "user7", "until": dt.datetime(2024, 2, 1, tzinfo=dt.UTC)},
                 "ix_audit_log_user_at_id"),
}


def _plan(db, statement) -> str:
    compiled = statement.compile(dialect=db.get_bind().dialect)
    return "\n".join(row[0] for row in db.connection().exec_driver_sql(
        f"EXPLAIN {compiled}", compiled.params))


@pytest.fixture(scope="module")
def loaded_postgresql():
    """A migrated gateway database on PostgreSQL whose log holds ROWS rows, one
    each half hour from 2024 on, of 50 users and distinct paths."""
    with private_database() as url:
        database = Database(url)
        upgrade_schema(url)
        with database.session() as db:
            db.execute(text(
                'INSERT INTO audit_log (at, "user", method, path, status, units) '
                "SELECT timestamp '2024-01-01' + n * interval '30 minutes', 'user' || (n % 50), "
                "'POST', '/api/v1/tasks/T' || n || '/close', 200, '[]' "
                "FROM generate_series(1, :rows) AS n"), {"rows": ROWS})
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE audit_log"))
        try:
            yield database
        finally:
            database.dispose()


@pytest.mark.parametrize("name", LISTINGS)
def test_each_filter_is_read_from_its_index_on_postgresql(loaded_postgresql, name):
    filters, index = LISTINGS[name]
    with loaded_postgresql.session() as db:
        where = listing.conditions("postgresql", **filters)
        cursor = db.scalar(text("SELECT max(id) - 10 FROM audit_log"))
        for statement in (listing.page_query(where, None, 100, 0),
                          listing.page_query(where, cursor, 100, 0),
                          listing.count_query(where)):
            plan = _plan(db, statement)
            assert "Seq Scan" not in plan, plan
            assert f" on {index}" in plan or f" using {index}" in plan, plan


def test_the_whole_log_is_listed_from_an_index_and_counted_to_the_cap(loaded_postgresql):
    with loaded_postgresql.session() as db:
        page = _plan(db, listing.page_query([], None, 100, 0))
        assert "Index Scan Backward using ix_audit_log_at_id" in page, page
        # Counting everything stops after the cap, however it reads the table.
        count = _plan(db, listing.count_query([]))
        assert "Limit  (cost=" in count.splitlines()[1] and "rows=10001" in count, count
        assert db.scalar(listing.count_query([])) == listing.TOTAL_CAP + 1


def test_pages_hold_their_place_on_postgresql(loaded_postgresql):
    """The cursor's row comparison on PostgreSQL, with rows of one moment and
    rows added between pages."""
    with loaded_postgresql.session() as db:
        prefix = [_entry(f"/test/{n}", NOON + dt.timedelta(minutes=n // 4)) for n in range(9)]
        ids = [append(db, entry).id for entry in prefix]
    where = listing.conditions("postgresql", path="/test/")
    expected = sorted(ids, key=lambda i: (prefix[ids.index(i)]["at"], i), reverse=True)
    walked, cursor = [], None
    while True:
        with loaded_postgresql.session() as db:
            rows = db.scalars(listing.page_query(where, cursor, 2, 0)).all()
            append(db, _entry("/test/new", NOON + dt.timedelta(days=1)))
        walked += [row.id for row in rows[:2]]
        if len(rows) <= 2:
            break
        cursor = rows[1].id
    assert walked == expected
