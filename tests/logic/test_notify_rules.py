"""The notify rules that need no database: quiet hours, backoff, the weekday
grace of the escalation ladder, routing, de-duplication, digests, sandboxed
templates, webhook signatures and the bulletin's sections."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.common.errors import InvalidInput
from services.common.workdays import WorkingCalendar, entered_years
from services.notify import logic
from services.warnings.holiday_notice import year_from_input
from tests.support.holiday_notices import BODY_2027

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 3, 2, 0)
WORKING = WorkingCalendar("working")
CALENDAR = WorkingCalendar("calendar")
WITH_2027 = WorkingCalendar("working", entered_years(
    [year_from_input(2027, BODY_2027["holidays"], BODY_2027["workdays"])]))


def local(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=ZONE)


@pytest.mark.parametrize(("moment", "released"), [
    (local(3, 21, 59), local(3, 21, 59)),
    (local(3, 22, 0), local(4, 8, 0)),
    (local(4, 3, 30), local(4, 8, 0)),
    (local(4, 8, 0), local(4, 8, 0)),
])
def test_quiet_hours_defer_to_the_morning(moment, released):
    assert logic.release_time(moment, "22:00-08:00") == released


def test_no_quiet_hours_release_at_once_and_bad_ones_are_refused():
    assert logic.release_time(local(3, 23), None) == local(3, 23)
    assert logic.release_time(local(3, 13), "12:00-14:00") == local(3, 14)
    with pytest.raises(InvalidInput):
        logic.parse_quiet_hours("late")


def test_retries_back_off_then_give_up():
    delays = (60, 600)
    assert logic.next_attempt(1, delays, NOW) == NOW + dt.timedelta(seconds=60)
    assert logic.next_attempt(2, delays, NOW) == NOW + dt.timedelta(seconds=600)
    assert logic.next_attempt(3, delays, NOW) is None


def test_working_day_grace_skips_the_weekend():
    friday = local(6, 10)
    assert logic.add_days(friday, 1, WORKING) == local(9, 10)
    assert logic.add_days(friday, 1, CALENDAR) == local(7, 10)
    step = logic.climb({"level": 0}, (2, 3), WORKING, friday)
    assert (step["level"], step["role"], step["next_at"]) == (1, "head", local(11, 10))
    assert logic.climb({"level": 1}, (2, 3), WORKING, friday)["status"] == "top"


def test_escalation_grace_skips_a_holiday_and_counts_a_make_up_day():
    zone = ZoneInfo("Asia/Shanghai")
    # Red on the Wednesday before the 2026 National Day week: two working days of
    # grace end on the 9th, not on 2 October.
    before = dt.datetime(2026, 9, 30, 16, 0, tzinfo=zone)
    assert logic.add_days(before, 2, WORKING) == dt.datetime(2026, 10, 9, 16, 0, tzinfo=zone)
    assert logic.add_days(before, 2, CALENDAR) == dt.datetime(2026, 10, 2, 16, 0, tzinfo=zone)
    # The Saturday worked after it (10 October) counts.
    friday = dt.datetime(2026, 10, 9, 9, 0, tzinfo=zone)
    assert logic.add_days(friday, 1, WORKING) == dt.datetime(2026, 10, 10, 9, 0, tzinfo=zone)
    # And a year the office entered counts its Spring Festival week.
    assert logic.add_days(dt.datetime(2027, 2, 5, 9, 0, tzinfo=zone), 1, WITH_2027) == (
        dt.datetime(2027, 2, 15, 9, 0, tzinfo=zone))


@pytest.mark.parametrize("today, due", [
    (dt.date(2026, 11, 9), [dt.date(2026, 11, 2)]),    # an ordinary Monday
    (dt.date(2026, 11, 10), []),
    (dt.date(2026, 10, 5), []),                        # Monday of the National Day week
    (dt.date(2026, 10, 8), [dt.date(2026, 9, 28)]),    # its first working day
    # After the Spring Festival week: the week before it and the week off, both.
    (dt.date(2027, 2, 15), [dt.date(2027, 2, 1), dt.date(2027, 2, 8)]),
])
def test_the_bulletin_comes_out_on_the_first_working_day(today, due):
    assert logic.bulletin_weeks_due(today, 0, WITH_2027) == due


DIRECTORY = {
    "contacts": {"yz": {"name": "袁州区", "kind": "county",
                        "head": {"name": "张三", "phone": "1381", "email": "h@yz"},
                        "operator": {"name": "李四", "phone": "1382", "email": None}},
                 "dcb": {"name": "督查办", "kind": "office", "head": None,
                         "operator": {"name": "王五", "phone": "1390", "email": "o@dcb"}}},
    "office": "dcb", "leaders": [{"name": "市长", "email": "m@city", "user": "mayor"}],
    "webhooks": ["http://hook"],
}


def occurrence(task="T1", colour="red"):
    return {"event_type": logic.COLOUR_CHANGED, "item": f"task:{task}", "unit": "yz",
            "task": task, "colour": colour, "as_of": dt.date(2026, 11, 3),
            "context": logic.colour_context(task, "袁州区", "逾期", dt.date(2026, 11, 3))}


def test_the_default_rules_send_red_to_the_operator_where_they_have_an_address():
    rules = logic.validate_rules(logic.DEFAULT_RULES)
    rows = logic.plan_messages([occurrence()], rules, logic.DEFAULT_TEMPLATES, DIRECTORY,
                               "e1", NOW)
    # The operator has no e-mail on record: SMS and inbox only.
    assert [(row["channel"], row["recipient"], row["status"]) for row in rows] == [
        ("sms", "1382", "pending"), ("inbox", "yz", "delivered")]
    assert rows[0]["quiet_hours"] == "22:00-08:00" and rows[1]["quiet_hours"] is None
    assert logic.plan_messages([occurrence(colour="yellow")], rules, logic.DEFAULT_TEMPLATES,
                               DIRECTORY, "e1", NOW) == []


def test_roles_find_their_addresses():
    assert logic.addresses("office", "email", "yz", DIRECTORY) == [("o@dcb", "王五")]
    assert logic.addresses("office", "inbox", "yz", DIRECTORY) == [("dcb", "督查办")]
    assert logic.addresses("leaders", "inbox", "yz", DIRECTORY) == [("mayor", "市长")]
    assert logic.addresses("webhook", "webhook", "yz", DIRECTORY) == [("http://hook", "webhook")]
    assert logic.addresses("head", "webhook", "yz", DIRECTORY) == []
    assert logic.office_unit(DIRECTORY["contacts"]) == "dcb"


def test_duplicates_within_the_window_are_dropped_and_many_become_a_digest():
    rules = logic.validate_rules(logic.DEFAULT_RULES)
    rows = logic.plan_messages([occurrence(f"T{n}") for n in range(4)], rules,
                               logic.DEFAULT_TEMPLATES, DIRECTORY, "e1", NOW)
    kept = logic.drop_duplicates(rows, {rows[0]["dedup_key"]})
    assert len(kept) == len(rows) - 1
    folded = logic.digest(kept, 2, logic.DEFAULT_TEMPLATES, {"1382": "李四"}, "e1", NOW)
    sms = [row for row in folded if row["channel"] == "sms"]
    assert len(sms) == 1 and sms[0]["event_type"] == "digest" and len(sms[0]["items"]) == 3
    assert "李四" in sms[0]["body"]
    assert len([row for row in folded if row["channel"] == "inbox"]) == 4


@pytest.mark.parametrize("body", [
    "{{ ''.__class__ }}", "{{ task.__class__.__mro__[1].__subclasses__() }}",
    "{{ unknown }}", "{% for %}"])
def test_templates_that_escape_the_sandbox_or_do_not_render_are_refused(body):
    with pytest.raises(InvalidInput):
        logic.validate_template("colour_changed", "sms", "", body)


def test_every_default_template_renders_with_its_sample():
    for (event_type, channel), template in logic.DEFAULT_TEMPLATES.items():
        logic.validate_template(event_type, channel, template["subject"], template["body"])


def test_rules_are_validated():
    with pytest.raises(InvalidInput):
        logic.validate_rules([{"event_type": "colour_changed", "role": "head",
                               "channels": ["fax"]}])
    with pytest.raises(InvalidInput):
        logic.validate_rules([{"event_type": "colour_changed", "role": "webhook",
                               "channels": ["sms"]}])
    (rule,) = logic.validate_rules([{"event_type": "notice_issued", "role": "head",
                                     "channels": ["inbox"], "quiet_hours": None}])
    assert rule["quiet_hours"] is None and rule["enabled"]


def test_the_webhook_signature_is_an_hmac_of_timestamp_and_body():
    assert logic.sign_webhook("s", "1700000000", b'{"a":1}') == (
        "sha256=" + __import__("hmac").new(b"s", b'1700000000.{"a":1}', "sha256").hexdigest())


def test_the_bulletin_keeps_the_weeks_facts_in_their_sections():
    facts = [
        {"kind": "red", "key": "T1", "task": "T1", "unit": "yz", "detail": "逾期",
         "day": dt.date(2026, 11, 3)},
        {"kind": "red", "key": "T0", "task": "T0", "unit": "yz", "detail": "逾期",
         "day": dt.date(2026, 11, 1)},
        {"kind": "explained", "key": "T4", "task": "T4", "unit": "yz", "detail": "说明办结",
         "day": dt.date(2026, 11, 8)},
    ]
    summary = logic.bulletin_summary(dt.date(2026, 11, 2), facts, {"yz": "袁州区"}, NOW)
    assert summary["week_end"] == "2026-11-08"
    assert summary["counts"] == {"red": 1, "overdue": 0, "closed": 1, "movers": 0,
                                 "batches": 0, "leaders": 0, "accountability": 0,
                                 "verification": 0, "reminders": 0}
    assert summary["sections"][0]["rows"][0]["unit_name"] == "袁州区"
    assert logic.week_bounds(dt.date(2026, 11, 8)) == (dt.date(2026, 11, 2),
                                                       dt.date(2026, 11, 8))
    # The ranking service did not answer: the movers' section says so; nor were
    # the batches counted, which their section says too.
    assert "暂不可用" in summary["sections"][3]["empty"]
    assert "暂不可用" in summary["sections"][4]["empty"]


def test_the_bulletin_names_the_movers_of_the_week():
    movers = [{"unit": "zs", "name": "樟树市", "group": "county", "rank": 5,
               "previous_rank": 2, "rank_change": -3}]
    summary = logic.bulletin_summary(dt.date(2026, 11, 2), [], {}, NOW, movers)
    (row,) = summary["sections"][3]["rows"]
    assert (row["unit_name"], row["detail"], row["day"]) == (
        "樟树市", "由第2名降至第5名（下降3位）", "2026-11-08")
    assert summary["counts"]["movers"] == 1
    assert summary["sections"][3]["empty"] == "本周评价排队名次无变动。"
