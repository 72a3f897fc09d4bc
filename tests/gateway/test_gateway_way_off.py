"""GET /api/v1/rankings/way-off: a unit's way off the black list, passed through
from the ranking service with the caller, read by the unit itself, the office
and leaders."""


def test_a_unit_reads_its_own_way_off(client, operator, fake_rpc):
    response = client.get("/api/v1/rankings/way-off?unit=U01", headers=operator)
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["on_black_list"] and found["enough"]
    [action] = found["actions"]
    assert (action["kind"], action["points"]) == ("targets", 8.34)
    [(method, kwargs)] = fake_rpc.calls
    assert method == "ranking.get_way_off"
    assert kwargs["unit"] == "U01" and kwargs["caller"]["units"] == ["U01"]
    assert "period" not in kwargs  # the service's current period


def test_the_office_and_leaders_read_any_units_for_a_period(client, admin, leader, fake_rpc):
    for headers in (admin, leader):
        response = client.get("/api/v1/rankings/way-off?unit=C01&period=2026-Q4",
                              headers=headers)
        assert response.status_code == 200, response.text
    assert [kwargs["period"] for _, kwargs in fake_rpc.calls] == ["2026-Q4", "2026-Q4"]


def test_another_units_way_off_is_refused(client, operator, fake_rpc):
    response = client.get("/api/v1/rankings/way-off?unit=C01", headers=operator)
    assert response.status_code == 403
    assert response.json()["code"]


def test_the_unit_is_required_and_the_period_well_formed(client, admin, fake_rpc):
    missing = client.get("/api/v1/rankings/way-off", headers=admin)
    assert missing.status_code == 422
    assert "单位" in missing.json()["message"]
    wrong = client.get("/api/v1/rankings/way-off?unit=C01&period=2026-Q5", headers=admin)
    assert wrong.status_code == 422
    assert fake_rpc.calls == []
