"""Reminders before deadlines (services/notify/reminders.py): which deadlines a
unit hears of on a given day, counted in working days by the office's calendar,
N from the routing rules, never in the quiet hours, never twice and never for an
item already done."""
import datetime as dt
from zoneinfo import ZoneInfo

from services.common.workdays import WORKING, WorkingCalendar
from services.notify import logic, reminders

ZONE = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkingCalendar(WORKING)
RULES = logic.validate_rules(logic.DEFAULT_RULES)
SETTINGS = reminders.kind_settings(RULES)


def at(day, hour=10):
    return dt.datetime.combine(day, dt.time(hour), ZONE)


def target(due, done=False, seq=3, task="T1"):
    return {"kind": logic.REMIND_TARGET, "item": f"target:{task}:{seq}", "due": due,
            "unit": "yz", "task": task, "title": "产业园区建设", "done": done,
            "context": {"seq": seq}}


def test_a_target_is_reminded_of_three_working_days_before_it_is_due():
    due = dt.date(2027, 3, 31)  # a Wednesday
    assert SETTINGS[logic.REMIND_TARGET]["days"] == 3
    # Friday 26 March: Monday, Tuesday and Wednesday are left.
    (reminder,) = reminders.due_reminders([target(due)], at(dt.date(2027, 3, 26)), CALENDAR,
                                          SETTINGS, set())
    assert reminder["days_left"] == 3
    assert reminder["key"] == "reminder_target|target:T1:3|2027-03-31"
    assert reminder["context"]["due_words"] == "2027年3月31日"
    assert reminder["context"]["left_words"] == "还有3个工作日"
    # Thursday 25 March is four working days before: too early.
    assert reminders.due_reminders([target(due)], at(dt.date(2027, 3, 25)), CALENDAR,
                                   SETTINGS, set()) == []


def test_holidays_do_not_count_and_nothing_goes_out_on_a_day_off():
    # Qingming 2026 (the package calendar): 4–6 April off, so from Thursday 2 April
    # to Wednesday 8 April are three working days (3, 7, 8 April).
    due = dt.date(2026, 4, 8)
    (reminder,) = reminders.due_reminders([target(due)], at(dt.date(2026, 4, 2)), CALENDAR,
                                          SETTINGS, set())
    assert reminder["days_left"] == 3
    assert reminders.due_reminders([target(due)], at(dt.date(2026, 4, 6)), CALENDAR,
                                   SETTINGS, set()) == []


def test_once_per_deadline_and_never_for_a_done_item_or_a_past_deadline():
    due, today = dt.date(2027, 3, 31), at(dt.date(2027, 3, 29))
    sent = {reminders.reminder_key(target(due))}
    assert reminders.due_reminders([target(due)], today, CALENDAR, SETTINGS, sent) == []
    # The deadline moved later is a new deadline: reminded of again.
    moved = target(dt.date(2027, 4, 1))
    assert [r["key"] for r in reminders.due_reminders([moved], today, CALENDAR, SETTINGS,
                                                      sent)] == [reminders.reminder_key(moved)]
    assert reminders.due_reminders([target(due, done=True)], today, CALENDAR, SETTINGS,
                                   set()) == []
    assert reminders.due_reminders([target(dt.date(2027, 3, 26))], today, CALENDAR,
                                   SETTINGS, set()) == []
    (today_due,) = reminders.due_reminders([target(dt.date(2027, 3, 29))], today, CALENDAR,
                                           SETTINGS, set())
    assert today_due["context"]["left_words"] == "今日到期"


def test_n_and_the_quiet_hours_come_from_the_rules_of_each_kind():
    rules = logic.validate_rules([
        {"event_type": logic.REMIND_TARGET, "role": "operator", "channels": ["inbox"],
         "days_before": 5, "quiet_hours": "18:00-09:00"},
        {"event_type": logic.REMIND_ACK, "role": "head", "channels": ["sms"],
         "days_before": 1, "enabled": False},
    ])
    settings = reminders.kind_settings(rules)
    assert set(settings) == {logic.REMIND_TARGET}  # a disabled kind is not reminded of
    due = dt.date(2027, 3, 31)
    early = reminders.due_reminders([target(due)], at(dt.date(2027, 3, 24)), CALENDAR,
                                    settings, set())
    assert [r["days_left"] for r in early] == [5]
    # Inside the quiet hours the sweep waits for the morning.
    assert reminders.due_reminders([target(due)], at(dt.date(2027, 3, 24), 8), CALENDAR,
                                   settings, set()) == []
    notice = {"kind": logic.REMIND_ACK, "item": "notice:5", "due": due, "unit": "yz",
              "task": "T1", "title": "产业园区建设", "done": False, "context": {}}
    assert reminders.due_reminders([notice], at(dt.date(2027, 3, 30)), CALENDAR, settings,
                                   set()) == []


def test_days_before_belongs_to_reminder_rules_only():
    (rule,) = logic.validate_rules([{"event_type": logic.REMIND_STAGE, "role": "operator",
                                     "channels": ["inbox"]}])
    assert rule["days_before"] == logic.DEFAULT_DAYS_BEFORE[logic.REMIND_STAGE]
    for wrong in (-1, 31, "3", True):
        try:
            logic.validate_rules([{"event_type": logic.REMIND_TARGET, "role": "operator",
                                   "channels": ["inbox"], "days_before": wrong}])
        except logic.InvalidInput as error:
            assert "rules[0].days_before" in str(error.args[0])
        else:
            raise AssertionError(f"{wrong!r} accepted")
    try:
        logic.validate_rules([{"event_type": "colour_changed", "role": "operator",
                               "channels": ["inbox"], "days_before": 2}])
    except logic.InvalidInput as error:
        assert "days_before" in str(error.args[0])
    else:
        raise AssertionError("days_before accepted on a colour rule")


def test_targets_are_done_once_the_reported_percentage_reaches_their_plan():
    task = {"task": "T1", "title": "产业园区建设", "lead_unit": "yz", "status": "active",
            "percent": 40}
    targets = [{"seq": 1, "due": dt.date(2027, 1, 31), "planned_percent": 30, "unit": "yz"},
               {"seq": 2, "due": dt.date(2027, 2, 28), "planned_percent": 60, "unit": None}]
    first, second = reminders.target_deadlines(task, targets)
    assert (first["done"], second["done"], second["unit"]) == (True, False, "yz")
    closed = reminders.target_deadlines({**task, "status": "closed"}, targets)
    assert all(d["done"] for d in closed)


def test_the_monthly_reporting_day_and_who_has_not_reported_yet():
    office = reminders.OFFICE_RULES  # the 5th working day
    # March 2027: the 5th working day is Friday 5 March; February's is 5 Feb.
    assert reminders.reporting_day(2027, 3, office, CALENDAR) == dt.date(2027, 3, 5)
    tasks = [
        {"task": "T1", "lead_unit": "yz", "status": "active",
         "start_date": dt.date(2027, 1, 4), "last_received_on": dt.date(2027, 2, 20)},
        {"task": "T2", "lead_unit": "yz", "status": "active",
         "start_date": dt.date(2027, 1, 4), "last_received_on": dt.date(2027, 2, 3)},
        {"task": "T3", "lead_unit": "zs", "status": "active",
         "start_date": dt.date(2027, 1, 4), "last_received_on": dt.date(2027, 3, 1)},
        # Started this month, finished: nothing to report for them.
        {"task": "T4", "lead_unit": "gx", "status": "active",
         "start_date": dt.date(2027, 3, 1), "last_received_on": None},
        {"task": "T5", "lead_unit": "gx", "status": "closed",
         "start_date": dt.date(2027, 1, 4), "last_received_on": None},
    ]
    yz, zs = reminders.report_deadlines(dt.date(2027, 3, 2), tasks, office, CALENDAR)
    assert (yz["item"], yz["due"], yz["done"]) == ("report:yz:2027-03", dt.date(2027, 3, 5),
                                                   False)
    assert yz["context"] == {"month_words": "2027年2月", "nth": 5, "pending": 1}
    assert zs["done"] is True
    (reminder,) = reminders.due_reminders([yz, zs], at(dt.date(2027, 3, 3)), CALENDAR,
                                          SETTINGS, set())
    assert reminder["item"] == "report:yz:2027-03" and reminder["days_left"] == 2


def test_13710_stages_are_counted_from_the_start_day_and_recorded_ones_are_done():
    task = {"task": "T9", "title": "老旧小区改造", "lead_unit": "yz", "status": "active",
            "start_date": dt.date(2027, 3, 1), "clock_class": "general",
            "stages": ["deployed"]}
    deployed, feedback, closed = reminders.stage_deadlines(task, reminders.OFFICE_RULES,
                                                           CALENDAR)
    assert (deployed["due"], deployed["done"]) == (dt.date(2027, 3, 2), True)
    assert (feedback["due"], feedback["done"]) == (dt.date(2027, 3, 4), False)
    assert closed["due"] == dt.date(2027, 3, 10)
    assert feedback["context"]["stage_name"] == "首次反馈"
    complex_closed = reminders.stage_deadlines({**task, "clock_class": "complex"},
                                               reminders.OFFICE_RULES, CALENDAR)[2]
    assert complex_closed["due"] == dt.date(2027, 3, 31)
    assert reminders.stage_deadlines({**task, "clock_class": None}, reminders.OFFICE_RULES,
                                     CALENDAR) == []


def test_notices_have_an_acknowledgement_and_an_answer_deadline():
    notice = {"id": 5, "number": "督〔2027〕1号", "task": "T1", "unit": "yz",
              "ack_due": "2027-03-30", "answer_due": "2027-04-08T00:00:00"}
    ack, answer = reminders.notice_deadlines(notice, "产业园区建设")
    assert (ack["kind"], ack["due"]) == (logic.REMIND_ACK, dt.date(2027, 3, 30))
    assert (answer["kind"], answer["due"]) == (logic.REMIND_ANSWER, dt.date(2027, 4, 8))


def test_the_reminder_reads_in_chinese_with_names_and_the_date_as_people_write_it():
    (reminder,) = reminders.due_reminders([target(dt.date(2027, 3, 31))],
                                          at(dt.date(2027, 3, 26)), CALENDAR, SETTINGS, set())
    occurrence = reminders.occurrence(reminder, "袁州区")
    template = logic.DEFAULT_TEMPLATES[(logic.REMIND_TARGET, logic.INBOX)]
    body = logic.render(template["body"], {**occurrence["context"], "recipient_name": "李四",
                                           "role_name": "联络员"})
    assert body == ("【落实提醒】袁州区：你单位牵头的「产业园区建设」第3个目标将于2027年3月31日"
                    "到期（还有3个工作日），请按时报送进展。")
    for kind in logic.REMINDERS:
        for channel in logic.CHANNELS:
            texts = logic.DEFAULT_TEMPLATES[(kind, channel)]
            logic.validate_template(kind, channel, texts["subject"] or "x", texts["body"])


def test_the_bulletin_counts_the_reminders_sent_in_its_week():
    from services.notify import documents

    facts = [{"kind": "reminder", "key": f"reminder_target|target:T{n}:1|2026-11-06",
              "task": f"T{n}", "unit": "yz", "detail": "", "day": dt.date(2026, 11, day)}
             for n, day in ((1, 3), (2, 4), (3, 10))]  # the third is next week's
    summary = logic.bulletin_summary(dt.date(2026, 11, 2), facts, {"yz": "袁州区"},
                                     at(dt.date(2026, 11, 9)))
    assert summary["counts"]["reminders"] == 2
    # Counted, not listed: no section holds a reminder.
    assert not any(row["kind"] == "reminder" for section in summary["sections"]
                   for row in section["rows"])
    heading = logic.bulletin_heading("市督查办", "draft")
    assert "发送到期提醒2条" in documents.render_html(summary, heading)
