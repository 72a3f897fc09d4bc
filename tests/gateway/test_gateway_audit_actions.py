"""The audit log says what each request did in Chinese, for every audited route."""
import re

from gateway.audit import audited
from gateway.audit_actions import ACTIONS, VERSION_PREFIX, describe

CJK = re.compile(r"[\u4e00-\u9fff]")


def audited_routes(app):
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if audited(method.upper(), path):
                yield method.upper(), VERSION_PREFIX.sub("", path)


def test_every_audited_route_has_its_words(app):
    routes = set(audited_routes(app))
    assert len(routes) > 50
    assert routes - set(ACTIONS) == set(), "routes the audit log would show as codes"
    assert set(ACTIONS) - routes == set(), "words for routes that no longer exist"
    for (method, route), phrase in ACTIONS.items():
        assert CJK.search(phrase), (method, route)
        # Every {name} in a phrase is one of the route's own parameters.
        assert set(re.findall(r"{(\w+)}", phrase)) <= set(re.findall(r"{(\w+)}", route))


def test_the_words_name_what_was_acted_on():
    assert describe("POST", "/api/v1/tasks/{code}/close", {"code": "T2026-0001"}, None) == \
        "将任务 T2026-0001 销号"
    assert describe("POST", "/api/v1/progress", None,
                    [{"task": "T2026-0001", "unit": "U01", "percent": 60}]) == \
        "报送了 T2026-0001 的进度 60%"
    assert describe("POST", "/api/v1/progress", None,
                    [{"task": "T1", "percent": 1}, {"task": "T2", "percent": 2}]) == "报送进度 2 条"
    assert describe("POST", "/api/v1/tasks", None, {"code": "T-9", "title": "x"}) == "新建任务 T-9"
    assert describe("POST", "/api/v1/notices", None, {"task": "T-9"}) == "下发督办单，任务 T-9"
    # A body the log kept only as its size, or none at all, still reads.
    assert describe("POST", "/api/v1/progress", None, {"bytes": 12}) == "报送进度"
    assert describe("POST", "/api/v1/progress", None,
                    {"summary": True, "bytes": 300_000, "items": 1000}) == "报送进度 1000 条"
    assert describe("POST", "/api/v1/tasks", None, None) == "新建任务"


def test_a_ranking_period_reads_as_people_say_it():
    route = "/api/v1/rankings/{period}/publish"
    assert describe("POST", route, {"period": "2026-Q4"}, None) == "发布了 2026年第四季度 的排名"
    assert describe("POST", route, {"period": "2027-H1"}, None) == "发布了 2027年上半年 的排名"
    assert describe("POST", route, {"period": "2026-11"}, None) == "发布了 2026年11月 的排名"
    assert describe("POST", route, {"period": "2026"}, None) == "发布了 2026年度 的排名"
    # Whatever else a request named is shown as it came.
    assert describe("POST", route, {"period": "2026-Q9"}, None) == "发布了 2026-Q9 的排名"


def test_a_request_that_matched_no_route_reads_as_itself():
    assert describe("POST", None, None, None) == "POST"
    assert describe("DELETE", "/api/v1/nothing", None, None) == "DELETE /api/v1/nothing"


def test_the_log_answers_with_the_words(client, admin, fake_rpc):
    client.post("/api/v1/tasks/T-001/explain", json={"reason": "政策调整"}, headers=admin)
    entry = client.get("/api/v1/audit", params={"path": "/api/v1/tasks/"},
                       headers=admin).json()["items"][0]
    assert entry["action"] == "说明了任务 T-001 未完成的原因"


def test_a_sign_in_names_the_account_it_tried_and_never_the_password(client, admin):
    assert client.post("/api/v1/auth/token",
                       data={"username": "nobody", "password": "guess-1"}).status_code == 401
    entry = client.get("/api/v1/audit", params={"path": "/api/v1/auth/token"},
                       headers=admin).json()["items"][0]
    assert entry["action"] == "登录，账号 nobody"
    assert entry["status"] == 401 and entry["user"] is None
    assert "guess-1" not in str(entry)
