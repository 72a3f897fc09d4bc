"""The notify service telling a unit its task is forecast red (the warnings
service's forecast_turned_red): routed to the operator by default, in Chinese,
settled as a red warning is and dropped unsent if the task turns red first, and
heard once however often it is delivered. Fixtures: test_notify_service."""
import datetime as dt
import json

from services.common.events import new_event
from tests.service.test_notify_service import (  # noqa: F401 — the fixtures
    http_peer,
    log,
    notify,
    robot_peer,
    settling,
    smtp,
    statuses,
    turn_red,
)

WORDS = "按当前进度，预计2026年12月31日仅达52%（计划100%），将亮红灯；预计2026年11月12日起亮红灯"


def forecast(task="T1"):
    return new_event(as_of="2026-11-03", forecasts=[{
        "task": task, "unit": "yz", "colour": "yellow", "red_on": "2026-11-12",
        "due": "2026-12-31", "planned": 100.0, "projected": 52.0, "words": WORDS}])


def forecast_red(notify, task="T1"):  # noqa: F811
    return notify.deliver("warnings", "forecast_turned_red", forecast(task),
                          "on_forecast_turned_red")


def test_a_task_forecast_red_reaches_its_operator_by_sms_and_inbox(notify, http_peer):  # noqa: F811
    forecast_red(notify)
    rows = log(notify, event_type="forecast_turned_red")
    assert {row["channel"]: row["status"] for row in rows} == {
        "inbox": "delivered", "sms": "pending"}
    assert {row["item"] for row in rows} == {"forecast:T1"}
    (inbox,) = notify("list_inbox", unit="yz", unread=True)["items"]
    assert inbox["subject"] == "预测预警：「T1」按当前进度将亮红灯"
    assert "目前为黄灯。按当前进度，预计2026年12月31日仅达52%（计划100%）" in inbox["body"]
    notify("tick")
    (sms,) = http_peer.on("/sms")
    assert "预计2026年11月12日起亮红灯" in json.loads(sms["body"])["text"]
    # Delivered again (a redelivery, or the same forecast told twice): heard once.
    notify.deliver("warnings", "forecast_turned_red", forecast(), "on_forecast_turned_red")
    assert len(log(notify, event_type="forecast_turned_red")) == 2


@settling
def test_a_forecast_red_settles_and_is_dropped_if_the_task_turns_red_first(
        notify, smtp, http_peer):  # noqa: F811
    forecast_red(notify)
    assert statuses(notify, event_type="forecast_turned_red") == {
        "inbox": "pending", "sms": "pending"}
    notify.clock.moment += dt.timedelta(minutes=2)
    turn_red(notify)  # the red warning says it now
    rows = log(notify, event_type="forecast_turned_red")
    assert {(row["status"], row["dropped_reason"]) for row in rows} == {("dropped", "superseded")}
    assert all("预测提醒撤回" in row["provider_answer"] for row in rows)
    notify.clock.moment += dt.timedelta(minutes=30)
    notify("tick")
    assert [row for row in log(notify, status="sent")
            if row["event_type"] == "forecast_turned_red"] == []
    # A forecast red of another task, not red, still goes once settled.
    forecast_red(notify, "T2")
    notify.clock.moment += dt.timedelta(minutes=10)
    notify("tick")
    assert statuses(notify, task="T2") == {"inbox": "delivered", "sms": "sent"}
