"""The forecast colour over HTTP: the tasks' forecasts and the early warnings
(预测将亮红灯), the forecasts' accuracy for the office, each unit seeing its own;
the one screen's count of them. The services are faked."""


def test_the_forecasts_list_names_the_tasks_forecast_red(client, leader, fake_rpc):
    answer = client.get("/api/v1/forecasts?soon_red=true", headers=leader).json()
    assert [item["task"] for item in answer["items"]] == ["T-003"]
    assert answer["items"][0]["words"].startswith("按当前进度")
    assert answer["items"][0]["title"] == "县域污水处理"  # people read tasks by title
    assert answer["forecast_red_days"] == 10
    assert fake_rpc.called("warnings.list_forecasts") == [
        {"soon_red": True, "limit": 100, "offset": 0}]
    every = client.get("/api/v1/forecasts?colour=green", headers=leader).json()
    assert [item["task"] for item in every["items"]] == ["T-002"]


def test_a_unit_sees_its_own_forecasts_only(client, headers_for, fake_rpc):
    own = headers_for("operator", "C01")
    answer = client.get("/api/v1/forecasts", headers=own).json()
    assert {item["unit"] for item in answer["items"]} == {"C01"}
    assert fake_rpc.called("warnings.list_forecasts")[-1]["unit"] == "C01"
    assert client.get("/api/v1/forecasts?unit=U01", headers=own).status_code == 403


def test_the_forecast_list_refuses_what_it_cannot_answer(client, leader):
    assert client.get("/api/v1/forecasts?colour=blue", headers=leader).status_code == 422
    assert client.get("/api/v1/forecasts?limit=0", headers=leader).status_code == 422
    assert client.get("/api/v1/forecasts?soon_red=maybe", headers=leader).status_code == 422


def test_the_office_reads_the_forecasts_accuracy(client, admin, fake_rpc):
    answer = client.get("/api/v1/forecasts/accuracy", headers=admin).json()
    assert (answer["forecast_red"], answer["turned_red"]) == (3, 2)
    assert answer["words"] == "近90天预测红灯3项，其中2项到期确实亮红灯（准确率67%）"
    assert fake_rpc.called("warnings.get_forecast_accuracy") == [{"days": 90}]
    client.get("/api/v1/forecasts/accuracy?days=30&as_of=2026-04-01", headers=admin)
    assert fake_rpc.called("warnings.get_forecast_accuracy")[-1] == {
        "days": 30, "as_of": "2026-04-01"}
    assert client.get("/api/v1/forecasts/accuracy?days=0", headers=admin).status_code == 422


def test_a_unit_reads_its_own_forecasts_accuracy(client, headers_for, fake_rpc):
    own = headers_for("operator", "C01")
    answer = client.get("/api/v1/forecasts/accuracy", headers=own).json()
    assert answer["forecast_red"] == 1
    assert fake_rpc.called("warnings.get_forecast_accuracy")[-1]["unit"] == "C01"


def test_the_one_screen_counts_the_tasks_forecast_red(client, leader):
    assert client.get("/api/v1/dashboard", headers=leader).json()["forecast_red"] == 1
