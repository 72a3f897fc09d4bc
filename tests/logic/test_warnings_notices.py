"""The life of a supervision notice (督办单) as plain functions: when one is due,
its deadlines, the steps the unit and the office take, and its colour by its
deadlines. Nothing is faked: no database, no container."""
import datetime as dt
from types import SimpleNamespace

import pytest

from services.common.errors import Conflict
from services.common.workdays import WorkingCalendar, entered_years
from services.warnings import notices
from services.warnings.holiday_notice import year_from_input
from services.warnings.logic import GREEN, RED, YELLOW, Colour, Rules
from tests.support.holiday_notices import BODY_2027

D = dt.date
RULES = Rules()
WITH_2027 = WorkingCalendar("working", entered_years(
    [year_from_input(2027, BODY_2027["holidays"], BODY_2027["workdays"])]))


def notice(status=notices.NOTICE_OPEN, colour=GREEN, **fields):
    """A stored notice issued on Monday 2026-04-06, as the repository gives it."""
    issued_on = fields.pop("issued_on", D(2026, 4, 6))
    ack_due, answer_due, note = notices.notice_deadlines(issued_on, RULES)
    values = {"id": 1, "status": status, "colour": colour, "issued_on": issued_on,
              "ack_due": ack_due, "answer_due": answer_due, "calendar_note": note or None}
    return SimpleNamespace(**{**values, **fields})


@pytest.mark.parametrize("calendar, answer_due, note", [
    (None, D(2027, 1, 4), "（2027年放假安排未录入，暂按周一至周五计）"),
    ("entered", D(2027, 1, 5), ""),
])
def test_a_notice_issued_on_28_december_is_due_in_the_new_year(calendar, answer_due, note):
    calendar = WITH_2027 if calendar else WorkingCalendar("working")
    assert notices.notice_deadlines(D(2026, 12, 28), RULES, calendar) == (
        D(2026, 12, 30), answer_due, note)


def test_a_notice_is_acknowledged_then_answered_then_closed():
    assert notices.acknowledge(1, notices.NOTICE_OPEN) == notices.NOTICE_ACKNOWLEDGED
    assert notices.answer(1, notices.NOTICE_ACKNOWLEDGED) == notices.NOTICE_ANSWERED
    notices.check_not_closed(1, notices.NOTICE_ANSWERED)
    assert notices.close("T1", GREEN, None) == notices.NOTICE_CLOSED
    assert notices.close("T1", RED, "转入问责程序") == notices.NOTICE_CLOSED


@pytest.mark.parametrize("step, status, words", [
    (notices.acknowledge, notices.NOTICE_ACKNOWLEDGED, "notice 7 is acknowledged"),
    (notices.answer, notices.NOTICE_OPEN, "must be acknowledged first"),
    (notices.answer, notices.NOTICE_CLOSED, "notice 7 is closed"),
    (notices.check_not_closed, notices.NOTICE_CLOSED, "closed already"),
])
def test_a_step_out_of_turn_is_a_conflict(step, status, words):
    with pytest.raises(Conflict, match=words):
        step(7, status)


def test_a_red_item_s_notice_is_closed_only_with_the_office_s_decision():
    with pytest.raises(Conflict, match="T1 is still red"):
        notices.close("T1", RED, None)


def test_a_notice_is_issued_by_hand_only_on_an_unfinished_task_without_one_pending():
    notices.check_task_unfinished("T1", "active")
    notices.check_none_pending("T1", None)
    with pytest.raises(Conflict, match="task T1 is closed"):
        notices.check_task_unfinished("T1", "closed")
    with pytest.raises(Conflict, match="督办〔2026〕3号 on task T1"):
        notices.check_none_pending("T1", (2026, 3))


def test_a_notice_turns_yellow_unacknowledged_and_red_unanswered():
    pending = notice()
    assert notices.judged([pending], pending.ack_due) == []
    assert notices.judged([pending], pending.ack_due + dt.timedelta(days=1)) == [
        (pending, YELLOW, "ack")]
    late = pending.answer_due + dt.timedelta(days=1)
    acknowledged = notice(notices.NOTICE_ACKNOWLEDGED, YELLOW)
    assert notices.judged([acknowledged], late) == [(acknowledged, RED, "answer")]
    # Judged again as of an earlier day: green again, but nothing to announce.
    moved = notices.judged([notice(colour=RED)], pending.issued_on)
    assert [colour for _, colour, _ in moved] == [GREEN]
    assert notices.overdue(moved) == []


def test_a_notice_is_due_once_the_task_is_red_long_enough_and_only_once():
    colour = Colour("task", "T1", "T1", "lead", RED, "严重延期：{percent}%")
    red = notices.red_tasks([colour], {}, D(2026, 6, 1), {"T1": 20})
    assert red == [(colour._replace(reason="严重延期：20%"), D(2026, 6, 1))]
    # Red since the stored day when it was red before.
    stored = {("task", "T1"): SimpleNamespace(colour=RED, since=D(2026, 5, 20))}
    assert notices.red_tasks([colour], stored, D(2026, 6, 1), {"T1": 20})[0][1] == D(2026, 5, 20)
    assert notices.due_on(red, D(2026, 6, 5), RULES, None) == []  # four working days
    assert notices.due_on(red, D(2026, 6, 8), RULES, None) == red  # five
    closed = SimpleNamespace(status=notices.NOTICE_CLOSED, issued_on=D(2026, 3, 1))
    assert not notices.noticed_already([closed], D(2026, 6, 1))
    assert notices.noticed_already([closed], D(2026, 2, 1))  # issued since it turned red
    assert notices.noticed_already([notice()], D(2026, 6, 1))
    reason = notices.automatic_reason(red[0][0], D(2026, 6, 1), D(2026, 6, 8),
                                      WorkingCalendar("working"))
    assert reason.startswith("自2026年6月1日起红色预警已5个工作日") and reason.endswith("20%")


def test_only_the_deadlines_a_new_calendar_moves_are_moved():
    # Issued before 2027 was entered: counted Monday to Friday through New Year.
    ack_due, answer_due, note = notices.notice_deadlines(D(2026, 12, 28), RULES,
                                                         WorkingCalendar("working"))
    december = notice(issued_on=D(2026, 12, 28), ack_due=ack_due, answer_due=answer_due,
                      calendar_note=note)
    assert notices.moved_deadlines([notice(), december], RULES, WITH_2027) == [
        (december, D(2026, 12, 30), D(2027, 1, 5), "")]


def test_the_one_screen_counts_the_notices_still_waiting_past_a_deadline():
    assert notices.pending_counts([("open", GREEN, 2), ("open", YELLOW, 1),
                                   ("acknowledged", RED, 1), ("answered", RED, 4)]) == {
        "open": 3, "acknowledged": 1, "answered": 4, "overdue": 2}
