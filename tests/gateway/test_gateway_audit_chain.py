"""The audit log fails closed and is tamper-evident: a write the log cannot
record is refused or not reported as done, every row is chained to the one
before it by its sha256, and `python -m gateway.audit verify` finds a changed,
removed or cut row. Concurrent writers, on SQLite and on PostgreSQL, keep one
chain. A large body is kept as its digest and a summary, and the chain holds
over rows of both kinds."""
import datetime as dt
import hashlib
import json
import subprocess
import sys
import threading

from fastapi.routing import APIRoute
from sqlalchemy import text
from starlette.responses import Response

from gateway.audit import (
    GENESIS,
    HASHED_FIELDS,
    SUMMARY_BYTES,
    append,
    audited,
    canonical,
    row_hash,
    verify,
)
from gateway.db import Database
from gateway.models import AuditEntry
from gateway.routes import ROUTERS
from gateway.schema import upgrade as upgrade_schema
from tests.support.postgres import private_database

PROGRESS = [{"task": "T-001", "unit": "U01", "percent": 50}]


def _rows(app):
    with app.state.db.session() as db:
        return db.execute(text("SELECT id, status, prev_hash, hash FROM audit_log "
                               "ORDER BY id")).all()


def test_every_row_is_chained_to_the_one_before(client, admin, fake_rpc, app):
    client.post("/api/v1/tasks/T-001/close", headers=admin)
    client.post("/api/v1/progress", json=PROGRESS, headers=admin)
    rows = _rows(app)
    assert len(rows) >= 3  # the sign-in, the close, the progress
    assert rows[0].prev_hash == GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    assert verify(app.state.db) == []


def test_a_large_batch_is_kept_as_its_digest_and_a_small_body_whole(
        client, admin, fake_rpc, app):
    batch = [{"task": f"T-{number:04d}", "unit": f"U0{number % 2 + 1}", "percent": 50,
              "note": "按计划推进，已完成年度目标的一半"} for number in range(1000)]
    sent = json.dumps(batch, ensure_ascii=False).encode()
    with app.state.db.session() as db:
        # A row of the gateway before summaries, that kept such a batch whole.
        append(db, {"user": "admin", "role": "admin", "units": ["U01", "U02"],
                    "method": "POST", "path": "/api/v1/progress", "route": "/api/v1/progress",
                    "status": 200, "request": batch})
    assert client.post("/api/v1/progress", content=sent, headers={
        **admin, "Content-Type": "application/json"}).status_code == 200
    assert client.post("/api/v1/progress", json=PROGRESS, headers=admin).status_code == 200

    small, large, old = client.get("/api/v1/audit", params={"path": "/api/v1/progress"},
                                   headers=admin).json()["items"]
    assert len(sent) > SUMMARY_BYTES
    assert large["request"] == {
        "summary": True, "content_type": "application/json", "bytes": len(sent),
        "sha256": hashlib.sha256(sent).hexdigest(), "items": 1000,
        "first_items": [{"task": "T-0000", "unit": "U01"}, {"task": "T-0001", "unit": "U02"},
                        {"task": "T-0002", "unit": "U01"}, {"task": "T-0003", "unit": "U02"},
                        {"task": "T-0004", "unit": "U01"}]}
    assert len(json.dumps(large["request"])) < 1024
    # Who did what still reads from the summary: the units named and the count.
    assert (large["user"], large["units"], large["action"]) == (
        "admin", ["U01", "U02"], "报送进度 1000 条")
    assert small["request"] == PROGRESS
    assert old["request"] == batch
    assert verify(app.state.db) == []


def test_the_canonical_form_is_stable():
    row = {"at": dt.datetime(2026, 12, 5, 1, 2, 3), "user": "张三", "units": ["U01"],
           "request": {"b": 1, "a": [1.5, None]}, "status": 200}
    assert canonical(row) == canonical(dict(reversed(list(row.items()))))
    assert b'"at":"2026-12-05T01:02:03.000000"' in canonical(row)
    assert b'"user":"\\u5f20\\u4e09"' in canonical(row)
    assert canonical({"path": "half \ud800 pair"}).isascii()


def test_a_request_whose_pending_mark_cannot_be_written_is_refused_and_not_done(
        client, admin, fake_rpc, app):
    with app.state.db.session() as db:
        db.execute(text("DROP TABLE audit_pending"))
    fake_rpc.calls.clear()
    response = client.post("/api/v1/tasks/T-001/close", headers=admin)
    assert response.status_code == 503
    assert response.json()["detail"]["code"] == "audit_unavailable"
    assert "审计日志" in response.json()["detail"]["message"]
    assert fake_rpc.called("tasks.close_task") == []


def test_a_change_whose_row_cannot_be_written_is_not_reported_as_done(
        client, admin, fake_rpc, app):
    with app.state.db.session() as db:
        db.execute(text("CREATE TRIGGER no_audit BEFORE INSERT ON audit_log "
                        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"))
    response = client.post("/api/v1/tasks/T-001/close", headers=admin)
    assert response.status_code == 503
    assert response.json()["detail"]["code"] == "audit_outcome_unrecorded"
    # The service was asked, so the mark stays for an operator to check.
    assert fake_rpc.called("tasks.close_task")
    # Reported once it is older than a request in flight could be.
    assert verify(app.state.db) == []
    problems = verify(app.state.db, in_flight=dt.timedelta(0))
    assert any("POST /api/v1/tasks/T-001/close 未记下结果" in problem for problem in problems)


def test_a_changed_row_is_found(client, admin, fake_rpc, app):
    client.post("/api/v1/tasks/T-001/close", headers=admin)
    client.post("/api/v1/tasks/T-002/close", headers=admin)
    target = _rows(app)[1].id
    with app.state.db.session() as db:
        db.execute(text("UPDATE audit_log SET status = 404 WHERE id = :id"), {"id": target})
    (problem,) = verify(app.state.db)
    assert problem == f"第 {target} 条审计记录的内容与其哈希不符：该记录已被篡改。"


def test_a_removed_row_and_a_cut_tail_are_found(client, admin, fake_rpc, app):
    for code in ("T-001", "T-002", "T-003"):
        client.post(f"/api/v1/tasks/{code}/close", headers=admin)
    rows = _rows(app)
    with app.state.db.session() as db:
        db.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": rows[1].id})
    (problem,) = verify(app.state.db)
    assert problem.startswith(f"审计链在第 {rows[2].id} 条处断开")
    with app.state.db.session() as db:
        db.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": rows[2].id})
    (problem,) = verify(app.state.db)
    assert "链头指向" in problem and "末尾的记录可能被删除" in problem


def test_a_recomputed_row_still_breaks_the_next_link(client, admin, fake_rpc, app):
    """A forger who fixes a changed row's own hash breaks the link of the row after it."""
    client.post("/api/v1/tasks/T-001/close", headers=admin)
    client.post("/api/v1/tasks/T-002/close", headers=admin)
    first = _rows(app)[0]
    with app.state.db.session() as db:
        entry = db.get(AuditEntry, first.id)
        entry.user = "someone-else"
        entry.hash = row_hash({name: getattr(entry, name) for name in HASHED_FIELDS})
    problems = verify(app.state.db)
    assert any("处断开" in problem for problem in problems)


def test_the_command_says_where_the_chain_breaks(client, admin, fake_rpc, app, settings):
    client.post("/api/v1/tasks/T-001/close", headers=admin)
    command = [sys.executable, "-m", "gateway.audit", "verify", "--db-url", settings.db_url]
    intact = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0, intact.stderr
    assert "审计链完整" in intact.stdout
    with app.state.db.session() as db:
        db.execute(text("UPDATE audit_log SET path = '/api/v1/elsewhere' "
                        "WHERE id = (SELECT MAX(id) FROM audit_log)"))
    broken = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1
    assert "已被篡改" in broken.stdout and "核验未通过" in broken.stdout


def _write_concurrently(database, writers=6, each=15):
    errors = []
    start = threading.Barrier(writers)

    def write(number):
        try:
            start.wait()
            for item in range(each):
                with database.session() as db:
                    append(db, {"method": "POST", "path": f"/w/{number}/{item}", "status": 200,
                                "units": []})
        except Exception as exc:  # reported below, with the thread's own failure
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    return writers * each


def test_concurrent_writers_keep_one_chain_on_sqlite(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'gateway.db'}")
    upgrade_schema(database.url)
    written = _write_concurrently(database)
    assert verify(database) == []
    with database.session() as db:
        assert db.scalar(text("SELECT COUNT(*) FROM audit_log")) == written
    database.dispose()


def test_concurrent_writers_keep_one_chain_on_postgresql():
    with private_database() as url:
        database = Database(url)
        upgrade_schema(database.url)
        try:
            written = _write_concurrently(database)
            assert verify(database) == []
            with database.session() as db:
                assert db.scalar(text("SELECT COUNT(*) FROM audit_log")) == written
                # One chain: no two rows follow the same row.
                assert db.scalar(text("SELECT COUNT(DISTINCT prev_hash) FROM audit_log")) \
                    == written
        finally:
            database.dispose()


def test_every_file_the_api_hands_out_is_audited():
    """Every GET route that answers a file (not JSON) is audited, except the
    blank import template, which holds no data."""
    # A route that hands out a file declares a plain Response as its class.
    files = [route.path for router in ROUTERS for route in router.routes
             if isinstance(route, APIRoute) and "GET" in route.methods
             and route.path.startswith("/api/v1/") and route.response_class is Response]
    assert files, "no file routes found: the test would prove nothing"
    concrete = [path.replace("{code}", "T-001").replace("{evidence_id}", "5")
                .replace("{period}", "2026-Q3").replace("{bulletin_id}", "2")
                for path in files if not path.endswith("/template.xlsx")]
    assert all(audited("GET", path) for path in concrete), concrete
