"""The platform over HTTP, as a supervision office and a county system use it."""
import datetime as dt

from tests.e2e.conftest import wait
from tests.support.dates import judge_new_tasks_at_once

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_nothing_is_written_anonymously(platform):
    answer = platform.http.post("/api/v1/units", json={"code": "x", "name": "x",
                                                       "kind": "county"})
    assert answer.status_code == 401
    assert platform.http.get("/openapi.json").json()["info"]["title"].startswith("Luoshi")


def test_a_report_flows_from_the_api_to_every_service(platform):
    admin = platform.login()
    # A task late the day it is given, judged at once, not waiting for its first report.
    judge_new_tasks_at_once(platform.http, admin)
    today = platform.clock.day
    for unit in ({"code": "e2e-yz", "name": "袁州区", "kind": "county",
                  "head": {"name": "张三", "phone": "13800000000", "email": "zs@example.cn"}},
                 {"code": "e2e-fgw", "name": "市发展改革委", "kind": "department"}):
        answer = platform.http.post("/api/v1/units", json=unit, headers=admin)
        assert answer.status_code == 201, answer.text
    duplicate = platform.http.post("/api/v1/units", json={"code": "e2e-yz", "name": "x",
                                                           "kind": "county"}, headers=admin)
    assert duplicate.status_code == 409
    task = {
        "code": "E2E-1", "title": "产业园区标准厂房建设", "lead_unit": "e2e-yz",
        "cooperating_units": ["e2e-fgw"], "source": "assignment", "category": "产业项目",
        "start_date": (today - dt.timedelta(days=120)).isoformat(),
        "due_date": (today + dt.timedelta(days=60)).isoformat(),
        "targets": [
            {"due_date": (today - dt.timedelta(days=30)).isoformat(), "planned_percent": 50},
            {"due_date": (today + dt.timedelta(days=60)).isoformat(), "planned_percent": 100}],
    }
    answer = platform.http.post("/api/v1/tasks", json=task, headers=admin)
    assert answer.status_code == 201, answer.text

    def coloured(colour):
        def check():
            body = platform.http.get("/api/v1/tasks/E2E-1", headers=admin).json()
            assert body["colour"] == colour, body
            return body
        return check

    late = wait(coloured("red"))
    assert "严重延期" in late["colour_reason"]

    # The office issues a supervision notice; the unit acknowledges and answers it.
    issued = platform.http.post("/api/v1/notices", headers=admin,
                                json={"task": "E2E-1", "reason": "进度严重滞后"})
    assert issued.status_code == 201, issued.text
    notice = issued.json()
    assert notice["unit"] == "e2e-yz" and notice["number"].startswith("督办〔")
    acked = platform.http.post(f"/api/v1/notices/{notice['id']}/ack", headers=admin)
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    answered = platform.http.post(f"/api/v1/notices/{notice['id']}/answer", headers=admin,
                                  json={"answer": "本周内完成主体工程"})
    assert answered.json()["status"] == "answered"
    detail = platform.http.get("/api/v1/tasks/E2E-1", headers=admin).json()
    assert [n["status"] for n in detail["notices"]] == ["answered"]

    answer = platform.http.post("/api/v1/progress", headers={**admin, "Idempotency-Key": "k1"},
                                json=[{"task": "E2E-1", "unit": "e2e-yz", "percent": 100},
                                      {"task": "E2E-1", "unit": "e2e-yz", "percent": 120},
                                      {"task": "NOPE", "unit": "e2e-yz", "percent": 10}])
    assert answer.status_code == 200, answer.text
    statuses = [item["status"] for item in answer.json()["results"]]
    assert statuses == ["accepted", "rejected", "rejected"]

    done = wait(coloured("green"))
    assert done["percent"] == 100 and [p["percent"] for p in done["progress"]] == [100]

    def notified():
        answer = platform.http.get("/api/v1/notifications", params={"task": "E2E-1"},
                                   headers=admin).json()
        inbox = [item for item in answer["items"]
                 if item["channel"] == "inbox" and "红色预警" in item["subject"]]
        assert len(inbox) == 1, answer
        return inbox[0]

    assert wait(notified)["unit"] == "e2e-yz"

    def ranked():
        ranking = platform.http.get("/api/v1/rankings", params={"group": "county"},
                                    headers=admin).json()
        entry = next(e for e in ranking["entries"] if e["unit"] == "e2e-yz")
        notices = next(i for i in entry["breakdown"]["indicators"] if i["key"] == "notices")
        # The notice was acknowledged and answered in time; red and green the same day
        # leave no red day in the period.
        assert notices["score"] == 100.0 and entry["red_items"] == 0, ranking
        return ranking

    wait(ranked)
    counts = platform.http.get("/api/v1/dashboard", headers=admin).json()["counts"]
    assert counts["green"] >= 1

    upload = platform.http.post("/api/v1/tasks/E2E-1/evidence", headers=admin,
                                files={"file": ("验收报告.pdf", PDF, "application/pdf")})
    assert upload.status_code == 201, upload.text
    closed = platform.http.post("/api/v1/tasks/E2E-1/close", headers=admin)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_bad_input_gets_clear_errors_not_500s(platform):
    admin = platform.login()
    cases = [
        ("/api/v1/tasks", {"code": "E2E-2", "title": "x", "lead_unit": "ghost",
                           "start_date": "2026-01-01", "due_date": "2026-02-30"}),
        ("/api/v1/units", {"code": "has space", "name": "x", "kind": "planet"}),
    ]
    for path, body in cases:
        answer = platform.http.post(path, json=body, headers=admin)
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text)
        assert "detail" in answer.json()
    batch = platform.http.post("/api/v1/progress", headers=admin, json=[
        {"task": "E2E-1", "unit": "e2e-yz", "percent": "lots"}])
    assert batch.status_code == 200
    assert batch.json()["results"][0]["reason"] == {"percent": ["Not a valid number."]}
    garbage = platform.http.post("/api/v1/progress", content=b"{not json",
                                 headers={**admin, "content-type": "application/json"})
    assert 400 <= garbage.status_code < 500
    assert platform.http.get("/api/v1/tasks/NO-SUCH-TASK", headers=admin).status_code == 404


def test_a_year_not_entered_never_stops_the_platform_and_the_office_enters_it(platform):
    from tests.support.holiday_notices import NOTICE_2027

    admin = platform.login()
    # Working days, the rules in force: the tier never leaves them.
    rules = platform.http.get("/api/v1/rules", headers=admin).json()
    assert rules["rules"]["calendar_mode"] == "working", rules
    answer = platform.http.post("/api/v1/units", headers=admin, json={
        "code": "e2e-cal", "name": "万载县", "kind": "county"})
    assert answer.status_code == 201, answer.text
    task = {"code": "E2E-CAL", "title": "农村公路提质改造", "lead_unit": "e2e-cal",
            "start_date": "2026-10-01", "due_date": "2027-06-30",
            "targets": [{"due_date": "2027-01-29", "planned_percent": 50},
                        {"due_date": "2027-06-30", "planned_percent": 100}]}
    assert platform.http.post("/api/v1/tasks", json=task, headers=admin).status_code == 201
    wait(lambda: platform.http.get("/api/v1/tasks/E2E-CAL", headers=admin).json()["colour"])

    # Ninety days and more past the holiday package's last year: colours, not 422.
    evaluated = platform.http.post("/api/v1/evaluations", params={"as_of": "2027-03-05"},
                                   headers=admin)
    assert evaluated.status_code == 200, evaluated.text
    body = platform.http.get("/api/v1/tasks/E2E-CAL", headers=admin).json()
    target = body["targets"][0]
    assert target["colour"] == "red" and "2027年放假安排未录入" in target["colour_reason"], body
    assert platform.http.get("/api/v1/calendar/2027", headers=admin).json()["source"] == \
        "provisional"

    understood = platform.http.post("/api/v1/calendar/2027/parse", headers=admin,
                                    json={"text": NOTICE_2027})
    assert understood.status_code == 200, understood.text
    days = understood.json()
    malformed = platform.http.post("/api/v1/calendar/2027/parse", headers=admin,
                                   json={"text": NOTICE_2027.replace("共9天", "共10天")})
    assert malformed.status_code == 422 and "第7行" in malformed.text
    entered = platform.http.put("/api/v1/calendar/2027", headers=admin, json={
        "holidays": days["holidays"], "workdays": days["workdays"], "note": "据通知录入"})
    assert entered.status_code == 200, entered.text
    assert entered.json()["source"] == "office"
    listing = platform.http.get("/api/v1/calendar", headers=admin).json()
    assert listing["coverage"]["covers_until"] == "2027-12-31"

    platform.http.post("/api/v1/evaluations", params={"as_of": "2027-03-05"}, headers=admin)
    body = platform.http.get("/api/v1/tasks/E2E-CAL", headers=admin).json()
    # The Spring Festival week is off now: fewer working days late, and not provisional.
    assert "2027年放假安排未录入" not in body["targets"][0]["colour_reason"]
    assert "逾期21个工作日" in body["targets"][0]["colour_reason"], body
