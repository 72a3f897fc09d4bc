"""Each route calls the right service method with the right arguments and
composes the answers."""
import base64
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.auth import current_caller
from gateway.caches import SharedBoard
from gateway.rpc import get_rpc

ADMIN = {"user": "admin", "role": "admin", "units": None}
TASK_BODY = {
    "code": "T-100", "title": "新建产业园", "lead_unit": "U01", "start_date": "2026-01-01",
    "due_date": "2026-12-31", "category": "economy", "source": "assignment",
    "clock_class": "complex", "cooperating_units": ["U02", "C01"], "responsible_person": "王五",
    "targets": [{"due_date": "2026-06-30", "planned_percent": 50, "description": "主体完工",
                 "unit": "U01"},
                {"due_date": "2026-12-31", "planned_percent": 100}],
}


def test_create_unit(client, admin, fake_rpc):
    body = {"code": "U09", "name": "市数据局", "kind": "department", "parent": "U01",
            "head": {"name": "赵六", "phone": "13900000000", "email": "zhao@example.org"}}
    response = client.post("/api/v1/units", json=body, headers=admin)
    assert response.status_code == 201
    assert fake_rpc.calls == [("tasks.create_unit", {"data": body, "caller": ADMIN})]


def test_list_and_get_units(client, admin, fake_rpc):
    listed = client.get("/api/v1/units?kind=county", headers=admin).json()
    assert [unit["code"] for unit in listed["items"]] == ["C01"]
    assert listed["total"] == 1
    got = client.get("/api/v1/units/U02", headers=admin).json()
    assert got["name"] == "市住建局"
    assert fake_rpc.calls == [
        ("tasks.list_units", {"caller": ADMIN, "kind": "county", "limit": 1000, "offset": 0}),
        ("tasks.get_unit", {"code": "U02", "caller": ADMIN}),
    ]


def test_units_listed_in_either_list_shape(client, admin, fake_rpc):
    fake_rpc.answer("tasks.list_units", {"items": [{"code": "U01", "name": "市发改委"}],
                                         "total": 1})
    listed = client.get("/api/v1/units", headers=admin).json()
    assert listed == {"items": [{"code": "U01", "name": "市发改委"}], "total": 1}


def test_create_task_sends_the_v1_body(client, admin, fake_rpc):
    response = client.post("/api/v1/tasks", json=TASK_BODY, headers=admin)
    assert response.status_code == 201
    sent = fake_rpc.called("tasks.create_task")[0]
    assert sent["caller"] == ADMIN
    assert sent["data"] == {**TASK_BODY, "targets": [
        {"due_date": "2026-06-30", "planned_percent": 50.0, "description": "主体完工",
         "unit": "U01"},
        {"due_date": "2026-12-31", "planned_percent": 100.0}]}


@pytest.mark.parametrize("change", [
    {"planned_percent": 101}, {"planned_percent": -1}, {"due_date": "2026-13-01"},
    {"weight": 2},
])
def test_task_targets_are_checked(client, admin, fake_rpc, change):
    body = {**TASK_BODY, "targets": [{**TASK_BODY["targets"][0], **change}]}
    assert client.post("/api/v1/tasks", json=body, headers=admin).status_code == 422
    assert fake_rpc.calls == []


@pytest.mark.parametrize("change", [
    {"source": "rumour"}, {"clock_class": "urgent"}, {"title": ""}, {"title": "x" * 501},
    {"code": "T 1"}, {"status": "closed"},
])
def test_task_fields_are_checked(client, admin, fake_rpc, change):
    response = client.post("/api/v1/tasks", json={**TASK_BODY, **change}, headers=admin)
    assert response.status_code == 422
    assert fake_rpc.calls == []


def test_get_task_adds_colours_to_the_task_and_its_targets(client, admin, fake_rpc):
    task = client.get("/api/v1/tasks/T-001", headers=admin).json()
    assert (task["colour"], task["colour_reason"]) == ("red", "进度落后计划 25 个百分点")
    assert [(target["seq"], target["colour"], target["colour_reason"])
            for target in task["targets"]] == [(1, "red", "逾期未完成"), (2, "green", "如期推进")]
    assert {"progress", "clocks", "evidence", "commitments", "percent"} <= set(task)
    assert [notice["number"] for notice in task["notices"]] == ["督办〔2026〕3号"]
    assert fake_rpc.calls == [
        ("tasks.get_task", {"code": "T-001", "caller": ADMIN}),
        ("warnings.get_task_colours", {"codes": ["T-001"]}),
        ("warnings.list_notices", {"task": "T-001", "limit": 1000}),
    ]


def test_a_task_not_yet_judged_has_null_colours(client, admin):
    task = client.get("/api/v1/tasks/T-002", headers=admin).json()
    assert task["colour"] is None and task["colour_reason"] is None


def test_list_tasks_passes_filters_and_adds_colours(client, admin, fake_rpc):
    page = client.get("/api/v1/tasks?unit=U01&status=active&category=infrastructure"
                      "&source=plan&limit=5&offset=0", headers=admin).json()
    assert page["total"] == 1
    assert page["items"][0]["colour"] == "red"
    assert page["items"][0]["targets"][1]["colour"] == "green"
    assert fake_rpc.calls == [
        ("tasks.list_tasks", {"caller": ADMIN, "unit": "U01", "status": "active",
                              "category": "infrastructure", "source": "plan",
                              "limit": 5, "offset": 0}),
        ("warnings.get_task_colours", {"codes": ["T-001"]}),
    ]


def test_list_tasks_by_colour_asks_warnings_first(client, admin, fake_rpc):
    page = client.get("/api/v1/tasks?colour=yellow", headers=admin).json()
    assert [task["code"] for task in page["items"]] == ["T-003"]
    # The tasks of the colour are sent to the tasks service once, to keep those
    # of the filters; only the page's are then read whole.
    assert fake_rpc.calls == [
        ("warnings.list_warnings", {"colour": "yellow", "item_kind": "task",
                                    "limit": 1000, "offset": 0}),
        ("tasks.list_task_codes", {"caller": ADMIN, "codes": ["T-003"], "limit": 1000}),
        ("warnings.get_task_colours", {"codes": ["T-003"]}),
        ("tasks.list_tasks", {"caller": ADMIN, "codes": ["T-003"], "limit": 1000}),
    ]


def test_a_list_of_one_colour_is_the_longest_in_it_first_and_paged_after(
        client, admin, fake_rpc):
    """The red list is ordered by days red (亮红灯天数), then by code, over the
    whole list: the page is cut after the order, and the total is the list's."""
    days = {"T-001": 3, "T-002": 10, "T-003": 10}
    fake_rpc.answer("warnings.list_warnings", lambda **page: {
        "items": [{"task": code, "colour": "red", "item_kind": "task"} for code in days][
            page["offset"]:page["offset"] + page["limit"]], "total": len(days)})
    fake_rpc.answer("warnings.get_task_colours", lambda codes: {
        code: {"colour": "red", "reason": "严重延期", "since": None, "days": days[code],
               "targets": {}} for code in codes})
    whole = client.get("/api/v1/tasks?colour=red", headers=admin).json()
    assert [(task["code"], task["colour_days"]) for task in whole["items"]] == [
        ("T-002", 10), ("T-003", 10), ("T-001", 3)]
    second = client.get("/api/v1/tasks?colour=red&limit=1&offset=1", headers=admin).json()
    assert second["total"] == 3 and [task["code"] for task in second["items"]] == ["T-003"]


def test_a_colour_nobody_has_lists_nothing(client, admin, fake_rpc):
    page = client.get("/api/v1/tasks?colour=green", headers=admin).json()
    assert page == {"items": [], "total": 0}
    assert fake_rpc.names() == ["warnings.list_warnings"]


@pytest.mark.parametrize("query", ["colour=blue", "status=lost", "limit=0", "limit=1001",
                                   "offset=-1", "source=rumour"])
def test_list_filters_are_checked(client, admin, fake_rpc, query):
    assert client.get(f"/api/v1/tasks?{query}", headers=admin).status_code == 422
    assert fake_rpc.calls == []


def test_close_explain_and_clock(client, admin, fake_rpc):
    assert client.post("/api/v1/tasks/T-001/close", headers=admin).json()["status"] == "closed"
    explained = client.post("/api/v1/tasks/T-001/explain", json={"reason": "政策调整，不再实施"},
                            headers=admin)
    assert explained.json()["status"] == "explained"
    client.post("/api/v1/tasks/T-002/clock", json={"stage": "deployed"}, headers=admin)
    client.post("/api/v1/tasks/T-002/clock",
                json={"stage": "first_feedback", "recorded_at": "2026-04-02T09:30:00+08:00"},
                headers=admin)
    assert fake_rpc.calls == [
        ("tasks.close_task", {"code": "T-001", "caller": ADMIN}),
        ("tasks.explain_task", {"code": "T-001", "reason": "政策调整，不再实施", "caller": ADMIN}),
        ("tasks.record_clock_stage", {"code": "T-002", "caller": ADMIN, "stage": "deployed"}),
        ("tasks.record_clock_stage", {"code": "T-002", "caller": ADMIN,
                                      "stage": "first_feedback",
                                      "recorded_at": "2026-04-02T01:30:00Z"}),
    ]


@pytest.mark.parametrize("path, body", [
    ("/api/v1/tasks/T-001/explain", {"reason": ""}),
    ("/api/v1/tasks/T-001/explain", {}),
    ("/api/v1/tasks/T-001/clock", {"stage": "started"}),
    ("/api/v1/tasks/T-001/clock", {"stage": "deployed", "recorded_at": "2026-04-02T09:30:00"}),
])
def test_task_actions_check_their_bodies(client, admin, fake_rpc, path, body):
    assert client.post(path, json=body, headers=admin).status_code == 422
    assert fake_rpc.calls == []


def test_evidence_upload_sends_base64(client, admin, fake_rpc):
    response = client.post("/api/v1/tasks/T-001/evidence", headers=admin,
                           files={"file": ("现场照片.jpg", b"\x01\x02\x03", "image/jpeg")})
    assert response.status_code == 201
    assert response.json()["id"] == 5
    assert fake_rpc.calls == [("tasks.add_evidence", {
        "task": "T-001", "filename": "现场照片.jpg", "content_type": "image/jpeg",
        "content_b64": base64.b64encode(b"\x01\x02\x03").decode(), "caller": ADMIN})]


def test_evidence_upload_needs_a_file(client, admin, fake_rpc):
    assert client.post("/api/v1/tasks/T-001/evidence", headers=admin).status_code == 422
    empty = client.post("/api/v1/tasks/T-001/evidence", headers=admin,
                        files={"file": ("a.txt", b"", "text/plain")})
    assert empty.status_code == 422
    assert fake_rpc.calls == []


def test_evidence_download_gives_the_bytes_as_an_attachment(client, admin, fake_rpc):
    response = client.get("/api/v1/tasks/T-001/evidence/5", headers=admin)
    assert response.status_code == 200
    assert response.content == b"\x01\x02\x03"
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E7%85%A7%E7%89%87.jpg" in disposition
    assert fake_rpc.calls == [("tasks.get_evidence",
                               {"task": "T-001", "evidence_id": 5, "caller": ADMIN})]


def test_commitments(client, admin, fake_rpc):
    body = {"task": "T-001", "unit": "U01", "step": "完成征地", "promised_date": "2026-05-01",
            "result": "全部签约"}
    created = client.post("/api/v1/commitments", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["id"] == 7
    fulfilled = client.post("/api/v1/commitments/7/fulfil", headers=admin)
    assert fulfilled.json()["fulfilled_at"]
    assert fake_rpc.calls == [
        ("tasks.create_commitment", {"data": body, "caller": ADMIN}),
        ("tasks.fulfil_commitment", {"commitment_id": 7, "caller": ADMIN}),
    ]


def test_warnings(client, admin, fake_rpc):
    page = client.get("/api/v1/warnings?colour=red&unit=U01&limit=50", headers=admin).json()
    assert page["total"] == 2
    assert fake_rpc.calls == [("warnings.list_warnings",
                               {"limit": 50, "offset": 0, "colour": "red", "unit": "U01"})]


def test_a_one_unit_operator_sees_its_units_warnings(client, operator, fake_rpc):
    client.get("/api/v1/warnings", headers=operator)
    client.get("/api/v1/notifications", headers=operator)
    assert fake_rpc.called("warnings.list_warnings")[0]["unit"] == "U01"
    assert fake_rpc.called("notify.list_notifications")[0]["unit"] == "U01"


def test_a_key_of_several_units_names_one(client, key_for, fake_rpc):
    headers = key_for("U01", "C01")
    assert client.get("/api/v1/warnings", headers=headers).status_code == 422
    assert client.get("/api/v1/warnings?unit=C01", headers=headers).status_code == 200
    assert fake_rpc.calls == [("warnings.list_warnings",
                               {"limit": 100, "offset": 0, "unit": "C01"})]


def test_evaluations_are_for_admins(client, admin, operator, fake_rpc):
    answer = client.post("/api/v1/evaluations?as_of=2026-04-10", headers=admin).json()
    assert answer == {"as_of": "2026-04-10", "evaluated": 12, "changed": 3}
    assert client.post("/api/v1/evaluations", headers=admin).status_code == 200
    # The gateway does not choose the day: the warnings service's clock does.
    assert fake_rpc.called("warnings.evaluate")[-1] == {}
    assert client.post("/api/v1/evaluations?as_of=2026-02-30", headers=admin).status_code == 422
    assert client.post("/api/v1/evaluations", headers=operator).status_code == 403
    assert len(fake_rpc.called("warnings.evaluate")) == 2


def test_dashboard_adds_unit_names(client, leader, fake_rpc):
    board = client.get("/api/v1/dashboard", headers=leader).json()
    assert board["counts"] == {"green": 5, "yellow": 1, "red": 1}
    assert [(row["unit"], row["name"]) for row in board["units"]] == [
        ("U01", "市发改委"), ("C01", "袁州区")]
    assert fake_rpc.names() == ["warnings.get_dashboard", "tasks.list_units"]


def test_dashboard_readers_within_the_window_share_one_answer(client, leader, admin,
                                                              fake_rpc):
    first = client.get("/api/v1/dashboard", headers=leader).json()
    assert client.get("/api/v1/dashboard", headers=admin).json() == first
    assert fake_rpc.names().count("warnings.get_dashboard") == 1
    assert client.get("/api/v1/dashboard").status_code == 401  # shared, not public


def test_the_shared_board_asks_again_once_its_window_has_passed(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("gateway.caches.time.monotonic", lambda: now[0])
    asked = []

    def ask():
        asked.append(now[0])
        return f"board {len(asked)}".encode()

    board = SharedBoard(2)
    assert board.read(ask) == board.read(ask) == b"board 1"
    now[0] += 1.9
    assert board.read(ask) == b"board 1"
    now[0] += 0.2
    assert board.read(ask) == b"board 2"
    assert asked == [100.0, pytest.approx(102.1)]

    def failing():
        raise RuntimeError("warnings is down")

    now[0] += 5
    with pytest.raises(RuntimeError):
        board.read(failing)
    assert board.read(ask) == b"board 3"  # a failure is not kept

    unshared = SharedBoard(0)
    assert [unshared.read(ask) for _ in range(2)] == [b"board 4", b"board 5"]


def test_rankings(client, leader, fake_rpc):
    ranking = client.get("/api/v1/rankings?period=2026-Q4&group=county", headers=leader).json()
    assert {"period", "group", "entries", "red_list", "black_list", "status"} <= set(ranking)
    entry = ranking["entries"][0]
    assert (entry["unit"], entry["rank"], entry["score"], entry["rank_change"]) == (
        "C01", 1, 92.5, 1)
    assert entry["breakdown"]["indicators"][0]["key"] == "on_time"
    assert fake_rpc.calls == [("ranking.get_ranking", {
        "period": "2026-Q4", "group": "county",
        "caller": {"user": "leader1", "role": "leader", "units": None}})]


def test_rankings_default_to_the_services_current_period(client, leader, fake_rpc):
    client.get("/api/v1/rankings", headers=leader)
    assert set(fake_rpc.called("ranking.get_ranking")[0]) == {"caller"}


@pytest.mark.parametrize("period", ["2026-Q4", "2026-H2", "2026-11", "2026"])
def test_every_kind_of_period_is_accepted(client, leader, fake_rpc, period):
    assert client.get(f"/api/v1/rankings?period={period}", headers=leader).status_code == 200


def test_a_period_exports_as_a_workbook_of_its_groups(client, admin, fake_rpc):
    response = client.get("/api/v1/rankings/2026-Q3/export", headers=admin)
    assert response.status_code == 200
    assert 'filename="ranking-2026-Q3.xlsx"' in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[1][:4] == ["排名", "单位代码", "单位", "得分"]
    assert rows[2][:4] == [1, "C01", "一县", 92.5]
    assert ["红榜"] in rows and ["C01", "一县", "第1名，92.5分，本期无红色预警"] in rows


def test_a_group_label_excel_refuses_in_a_title_still_exports(client, admin, fake_rpc):
    fake_rpc.answer("ranking.list_groups", {"items": [
        {"key": "county", "label": "县/区?*[]:\\", "kinds": ["county"], "units": []},
        {"key": "dept", "label": "[]", "kinds": ["department"], "units": []}]})
    contract = fake_rpc._contract
    fake_rpc.answer("ranking.get_ranking", lambda **kwargs: {
        **contract.ranking_get_ranking(**kwargs),
        "group_label": {"county": "县/区?*[]:\\", "dept": "[]"}[kwargs["group"]]})
    response = client.get("/api/v1/rankings/2026-Q3/export", headers=admin)
    assert response.status_code == 200
    titles = openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames
    assert titles == ["县_区______", "__"]


def test_an_evaluation_body_is_checked_before_the_service(client, admin, fake_rpc):
    for body in ({"unit": "C01", "score": 101, "comment": "x"},
                 {"unit": "C01", "score": 90, "comment": " "},
                 {"unit": "C01", "score": 90, "comment": "x", "rank": 1}):
        response = client.post("/api/v1/rankings/2026-Q4/evaluations", json=body,
                               headers=admin)
        assert response.status_code == 422, body
    assert fake_rpc.calls == []


@pytest.mark.parametrize("query", ["period=2026-Q5", "period=Q4", "group=Province",
                                   "period=2026-H3"])
def test_ranking_parameters_are_checked(client, leader, fake_rpc, query):
    assert client.get(f"/api/v1/rankings?{query}", headers=leader).status_code == 422
    assert fake_rpc.calls == []


def test_notifications(client, admin, fake_rpc):
    page = client.get("/api/v1/notifications?task=T-001&unit=U01", headers=admin).json()
    assert page["items"][0]["subject"] == "红色预警"
    assert fake_rpc.calls == [("notify.list_notifications",
                               {"limit": 100, "offset": 0, "task": "T-001", "unit": "U01"})]


def test_notices_name_their_tasks_by_title(client, admin):
    """People read a notice's task by its title (the tasks service's, as the
    caller may read it)."""
    (notice,) = client.get("/api/v1/notices", headers=admin).json()["items"]
    assert (notice["task"], notice["title"]) == ("T-001", "建成城市快速路一期")


# The one screen for a caller the gateway knows is answered before routing
# (middleware.BoardAtHand); everything it cannot vouch for takes the full path.

def test_a_known_reader_gets_the_same_board_without_the_full_path(client, app, leader,
                                                                   fake_rpc):
    first = client.get("/api/v1/dashboard", headers=leader)

    def full_path():
        raise AssertionError("the request went through routing and its dependencies")

    app.dependency_overrides[current_caller] = full_path
    again = client.get("/api/v1/dashboard", headers=leader)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert fake_rpc.names().count("warnings.get_dashboard") == 1


def test_the_board_at_hand_is_counted_under_its_route(client, ops, leader):
    client.get("/api/v1/dashboard", headers=leader)  # the full path: the board is asked
    client.get("/api/v1/dashboard", headers=leader)  # at hand
    line = next(line for line in ops.get("/metrics").text.splitlines() if line.startswith(
        'luoshi_gateway_requests_total{method="GET",route="/api/v1/dashboard",status="200"}'))
    assert line.endswith(" 2.0")


def test_the_board_is_not_at_hand_for_a_caller_the_gateway_cannot_vouch_for(
        client, app, leader, admin, headers_for):
    client.get("/api/v1/dashboard", headers=leader)
    assert client.get("/api/v1/dashboard", headers={
        "Authorization": "Bearer not-a-token"}).status_code == 401
    # Signed out through this gateway: refused at once, board or no board.
    assert client.post("/api/v1/auth/logout", headers=leader).status_code == 204
    assert client.get("/api/v1/dashboard", headers=leader).status_code == 401
    # A user whose password was reset reaches nothing but the password change.
    reader = headers_for("leader")
    me = client.get("/api/v1/auth/me", headers=reader).json()["user"]
    client.post(f"/api/v1/users/{me}/password-reset", headers=admin,
                json={"password": "Temporary-Passw0rd!"})
    token = client.post("/api/v1/auth/token", data={
        "username": me, "password": "Temporary-Passw0rd!"}).json()["access_token"]
    answer = client.get("/api/v1/dashboard", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert answer.json()["detail"]["code"] == "password_change_required"


def test_the_board_at_hand_spends_the_callers_rate_limit(settings, fake_rpc):
    settings = settings.model_copy(update={"rate_limit_per_minute": 3})
    app = create_app(settings)
    app.dependency_overrides[get_rpc] = lambda: fake_rpc
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={
            "username": "admin", "password": "admin-test-password"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        answers = [client.get("/api/v1/dashboard", headers=headers).status_code
                   for _ in range(5)]
    assert answers[:3] == [200, 200, 200] and answers[3:] == [429, 429]
