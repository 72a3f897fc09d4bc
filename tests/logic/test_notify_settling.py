"""When a colour warning may reach people, as pure rules: a red one settles for a
while, a new task's first yellow or red waits until it is due to be reported on,
and a held one whose task changes colour first is dropped (a held digest loses
that task)."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.notify import logic

ZONE = ZoneInfo("Asia/Shanghai")
LOCAL = dt.datetime(2026, 11, 3, 10, 0, tzinfo=ZONE)
NOW = logic.to_utc(LOCAL)
AS_OF = dt.date(2026, 11, 3)
DIRECTORY = {
    "contacts": {"yz": {"name": "袁州区", "kind": "county", "head": None,
                        "operator": {"name": "李四", "phone": "1382", "email": "op@yz"}}},
    "office": None, "leaders": [], "webhooks": [],
}


def turn(colour="red", previous="yellow", first_due=None):
    return {"item_kind": "task", "task": "T1", "unit": "yz", "colour": colour,
            "previous": previous, "first_due": first_due}


def test_a_red_turn_settles_for_the_configured_minutes():
    assert logic.not_before(turn(), AS_OF, LOCAL, 10) == LOCAL + dt.timedelta(minutes=10)
    assert logic.not_before(turn(previous="green"), AS_OF, LOCAL, 0.5) == \
        LOCAL + dt.timedelta(seconds=30)


def test_with_no_settling_time_or_no_red_a_warning_goes_at_once():
    assert logic.not_before(turn(), AS_OF, LOCAL, 0) is None
    assert logic.not_before(turn(colour="yellow", previous="green"), AS_OF, LOCAL, 10) is None


@pytest.mark.parametrize("colour", ["yellow", "red"])
def test_a_new_tasks_first_colour_waits_until_it_is_due_to_be_reported_on(colour):
    due = dt.date(2026, 11, 30)
    for settle in (0, 10):
        assert logic.not_before(turn(colour, None, due), AS_OF, LOCAL, settle) == \
            dt.datetime(2026, 11, 30, 0, 0, tzinfo=ZONE)


def test_a_first_judgement_when_the_task_is_already_due_only_settles():
    for due in (dt.date(2026, 10, 31), AS_OF):
        assert logic.not_before(turn(previous=None, first_due=due), AS_OF, LOCAL, 10) == \
            LOCAL + dt.timedelta(minutes=10)
        assert logic.not_before(turn(previous=None, first_due=due), AS_OF, LOCAL, 0) is None
    # Without the day (an event from before it was sent), only the settling holds.
    assert logic.not_before(turn(previous=None), AS_OF, LOCAL, 0) is None
    # A later turn of a task already judged is no first judgement.
    assert logic.not_before(turn(first_due=dt.date(2026, 11, 30)), AS_OF, LOCAL, 0) is None


def test_a_held_warning_is_dropped_when_its_task_recovers_or_worsens():
    assert logic.held_verdict("red", "red") is None
    reason, words = logic.held_verdict("red", "green")
    assert reason == logic.RECOVERED and "恢复为绿色" in words
    assert logic.held_verdict("red", "yellow")[0] == logic.RECOVERED
    reason, words = logic.held_verdict("yellow", "red")
    assert reason == logic.SUPERSEDED and "红色" in words


def planned(tasks, hold, threshold=5, fold=True):
    """The rows of red warnings of `tasks` held until `hold` (naive UTC)."""
    rules = logic.validate_rules(logic.DEFAULT_RULES)
    occurrences = [{"event_type": logic.COLOUR_CHANGED, "item": f"task:{task}", "unit": "yz",
                    "task": task, "colour": "red", "as_of": AS_OF, "not_before": hold,
                    "context": logic.colour_context(task, "袁州区", "逾期", AS_OF)}
                   for task in tasks]
    rows = logic.plan_messages(occurrences, rules, logic.DEFAULT_TEMPLATES, DIRECTORY, "e1",
                               NOW)
    if fold:
        rows = logic.digest(rows, threshold, logic.DEFAULT_TEMPLATES, {"1382": "李四"}, "e1",
                            NOW)
    return [{**row, "id": number} for number, row in enumerate(rows, 1)]


def test_held_messages_wait_on_every_channel_the_inbox_included():
    hold = NOW + dt.timedelta(minutes=10)
    rows = planned(["T1"], hold)
    assert {(row["channel"], row["status"], row["next_attempt_at"]) for row in rows} == {
        ("sms", "pending", hold), ("email", "pending", hold), ("inbox", "pending", hold)}
    rows = planned(["T1"], None)
    assert {row["channel"]: row["status"] for row in rows}["inbox"] == "delivered"


def test_held_warnings_of_a_recovered_task_are_dropped_and_their_keys_forgotten():
    rows = planned(["T1", "T2"], NOW + dt.timedelta(minutes=10))
    drops, shrunk, forget = logic.settle_held(rows, {"task:T1": "green"},
                                              logic.DEFAULT_TEMPLATES, {})
    assert shrunk == []
    dropped = {drop["id"] for drop in drops}
    assert dropped == {row["id"] for row in rows if row["task"] == "T1"}
    assert {drop["dropped_reason"] for drop in drops} == {logic.RECOVERED}
    assert set(forget) == {row["dedup_key"] for row in rows if row["task"] == "T1"}


def test_a_held_digest_loses_the_tasks_that_recovered_and_goes_when_none_is_left():
    rows = planned([f"T{n}" for n in range(7)], NOW + dt.timedelta(minutes=10))
    (sms,) = [row for row in rows if row["channel"] == "sms"]
    assert sms["event_type"] == "digest" and len(sms["members"]) == 7
    recovered = {f"task:T{n}": "green" for n in range(5)}
    drops, shrunk, forget = logic.settle_held(rows, recovered, logic.DEFAULT_TEMPLATES,
                                              {"1382": "李四"})
    # The inbox keeps one message per task (never folded): those of T0-T4 go.
    by_channel = {row["channel"]: row for row in rows if row["event_type"] == "digest"}
    assert {drop["id"] for drop in drops} == {
        row["id"] for row in rows if row["channel"] == "inbox" and row["task"] < "T5"}
    (left_sms,) = [digest for digest in shrunk if digest["id"] == by_channel["sms"]["id"]]
    assert ["T5" in left_sms["items"][0], "T6" in left_sms["items"][1]] == [True, True]
    assert len(left_sms["items"]) == 2
    assert "共有 2 条" in left_sms["body"] and "李四" in left_sms["body"]
    assert len(left_sms["members"]) == 2
    assert len(forget) == 15  # 5 tasks × sms, e-mail, inbox

    shrunk_rows = [{**row, **next((d for d in shrunk if d["id"] == row["id"]), {})}
                   for row in rows]
    drops, shrunk, _ = logic.settle_held(shrunk_rows, {"task:T5": "green", "task:T6": "yellow"},
                                         logic.DEFAULT_TEMPLATES, {})
    assert shrunk == []
    digests = [drop for drop in drops if drop["id"] in (by_channel["sms"]["id"],
                                                       by_channel["email"]["id"])]
    assert len(digests) == 2 and len(drops) == 4  # and the inbox messages of T5, T6
    assert all(drop["dropped_reason"] == logic.RECOVERED for drop in drops)


def test_held_warnings_due_at_different_moments_are_not_folded_together():
    early = planned(["T1", "T2", "T3"], NOW + dt.timedelta(minutes=10), fold=False)
    late = planned(["T4", "T5", "T6"], NOW + dt.timedelta(days=20), fold=False)
    rows = logic.digest(early + late, 2, logic.DEFAULT_TEMPLATES, {}, "e1", NOW)
    digests = [row for row in rows if row["event_type"] == "digest"]
    assert sorted((row["channel"], row["next_attempt_at"], len(row["members"]))
                  for row in digests) == [
        ("email", NOW + dt.timedelta(minutes=10), 3), ("email", NOW + dt.timedelta(days=20), 3),
        ("sms", NOW + dt.timedelta(minutes=10), 3), ("sms", NOW + dt.timedelta(days=20), 3)]
