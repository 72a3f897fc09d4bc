"""复核 as plain rules: the office's policy per kind, whether a request is checked
given its draw, what a decision may follow, what a unit reads, the timeline, and
the ranking's deduction for steps sent back."""
import dataclasses
import datetime as dt

import pytest

from services.common.errors import Conflict, InvalidInput
from services.ranking import logic as ranking
from services.tasks import verification as rules

Q4 = ranking.parse_period("2026-Q4")


def test_the_default_policy_checks_nothing():
    policy = rules.VerificationPolicy()
    for kind in rules.KINDS:
        assert policy.rule(kind) == {"mode": "none", "percent": 0}
        assert not rules.needs_draw(policy.rule(kind))
        assert not rules.is_sampled(policy.rule(kind), None)


@pytest.mark.parametrize(("rule", "draw", "checked"), [
    ({"mode": "none", "percent": 0}, None, False),
    ({"mode": "all", "percent": 100}, None, True),
    ({"mode": "share", "percent": 30}, 0, True),
    ({"mode": "share", "percent": 30}, 29, True),
    ({"mode": "share", "percent": 30}, 30, False),
    ({"mode": "share", "percent": 30}, 99, False),
    ({"mode": "share", "percent": 30}, None, False),
])
def test_a_request_is_checked_by_its_rule_and_draw(rule, draw, checked):
    assert rules.is_sampled(rule, draw) is checked


def test_a_share_is_drawn_the_others_are_not():
    assert rules.needs_draw({"mode": "share", "percent": 10})
    assert not rules.needs_draw({"mode": "all", "percent": 100})


def test_all_and_none_are_spelt_one_way():
    policy = rules.VerificationPolicy.from_dict({"closure": {"mode": "all"},
                                                 "commitment": {"mode": "none",
                                                                "percent": 40}})
    assert policy.closure == {"mode": "all", "percent": 100}
    assert policy.commitment == {"mode": "none", "percent": 0}
    assert rules.VerificationPolicy.from_dict(policy.to_dict()) == policy


@pytest.mark.parametrize(("data", "field"), [
    ({"closure": {"mode": "some", "percent": 10}}, "closure"),
    ({"closure": {"mode": "share", "percent": 0}}, "closure"),
    ({"clock_stage": {"mode": "share", "percent": 100}}, "clock_stage"),
    ({"commitment": {"mode": "share", "percent": 12.5}}, "commitment"),
    ({"commitment": "all"}, "commitment"),
    ({"reports": {"mode": "all"}}, "reports"),
])
def test_a_wrong_policy_is_named(data, field):
    with pytest.raises(InvalidInput) as error:
        rules.VerificationPolicy.from_dict(data)
    assert field in error.value.args[0]


def test_only_a_pending_request_is_decided():
    assert rules.decision_problem(1, rules.PENDING) is None
    for status in (rules.COUNTED, rules.CONFIRMED, rules.RETURNED):
        problem = rules.decision_problem(7, status)
        assert problem["code"] == "verification_not_pending"
        assert rules.STATUS_NAMES[status] in problem["message"]
        with pytest.raises(Conflict):
            rules.check_decision(7, status)


def test_a_send_back_needs_its_reason():
    with pytest.raises(InvalidInput):
        rules.return_reason("   ")
    with pytest.raises(InvalidInput):
        rules.return_reason(None)
    with pytest.raises(InvalidInput):
        rules.return_reason("理" * (rules.MAX_REASON + 1))
    assert rules.return_reason(" 佐证不足 ") == "佐证不足"


def request(status, **more):
    return {"id": 3, "kind": "closure", "task": "T1", "unit": "yz", "subject": None,
            "claim": {"percent": 100}, "status": status, "policy_version": 2, "draw": 17,
            "status_before": "active", "requested_by": "yz-op",
            "requested_at": "2026-12-01T02:00:00", "decided_by": None, "decided_at": None,
            "reason": None, **more}


def test_a_unit_reads_pending_or_counted_never_the_draw():
    for status, shown in ((rules.PENDING, "待复核"), (rules.COUNTED, "已计入"),
                          (rules.CONFIRMED, "已计入"), (rules.RETURNED, "被退回")):
        view = rules.verification_view(request(status), office=False)
        assert view["status_name"] == shown
        assert "draw" not in view and "policy_version" not in view
    office = rules.verification_view(request(rules.CONFIRMED), office=True)
    assert office["status_name"] == "已复核" and "draw" not in office
    assert office["policy_version"] == 2


def test_the_timeline_shows_request_and_decision_in_order():
    entries = rules.timeline_entries([
        request(rules.RETURNED, decided_at="2026-12-02T02:00:00", decided_by="office",
                reason="未盖章"),
        request(rules.CONFIRMED, id=4, requested_at="2026-12-03T02:00:00",
                decided_at="2026-12-04T02:00:00", decided_by="office"),
        request(rules.COUNTED, id=5, kind="clock_stage", subject="deployed",
                subject_name="部署", requested_at="2026-12-05T02:00:00"),
    ])
    assert [entry["kind"] for entry in entries] == [
        "verification_requested", "verification_returned", "verification_requested",
        "verification_confirmed", "verification_requested"]
    assert entries[1]["text"] == "督查办退回销号" and entries[1]["reason"] == "未盖章"
    assert entries[4]["text"] == "申请13710节点（部署），已计入"


def test_pending_counts_name_every_kind():
    assert rules.counts([("closure", 2), ("commitment", 1)]) == {
        "closure": 2, "clock_stage": 0, "commitment": 1, "total": 3}


# The ranking --------------------------------------------------------------------

def one_unit(returns):
    return ranking.Facts(
        units=[{"code": "C1", "name": "一县", "kind": "county"}],
        targets=[("C1", dt.date(2026, 10, 31), dt.date(2026, 10, 30), dt.date(2026, 10, 30))],
        returns=returns)


def test_a_step_sent_back_is_deducted_and_said_in_words():
    clean = ranking.score_units(Q4, Q4.end, ranking.ScoreRules(), one_unit([]))[0]
    assert clean["score"] == 100.0 and clean["breakdown"]["deductions"] == []
    sent_back = ranking.score_units(Q4, Q4.end, ranking.ScoreRules(), one_unit([
        ("C1", "closure", dt.date(2026, 11, 3)),
        ("C1", "commitment", dt.date(2026, 11, 9)),
        ("C1", "closure", dt.date(2026, 12, 1)),
    ]))[0]
    (deduction,) = sent_back["breakdown"]["deductions"]
    assert deduction["points"] == 6.0 and sent_back["score"] == 94.0
    assert deduction["count"] == 3
    assert deduction["label"] == "复核退回扣分"
    assert deduction["detail"] == ("本期申请事项经督查办复核被退回3次（销号2次、承诺兑现1次），"
                                   "每次扣2分，共扣6分")


def test_only_send_backs_of_the_period_by_its_day_count():
    facts = one_unit([("C1", "closure", dt.date(2026, 9, 30)),
                      ("C1", "clock_stage", dt.date(2026, 11, 20))])
    as_of = dt.date(2026, 11, 10)
    assert ranking.score_units(Q4, as_of, ranking.ScoreRules(), facts)[0]["score"] == 100.0
    assert ranking.score_units(Q4, Q4.end, ranking.ScoreRules(), facts)[0]["score"] == 98.0


def test_the_deduction_is_a_rule_and_never_goes_below_zero():
    harsh = dataclasses.replace(ranking.ScoreRules(), return_deduction=60.0)
    facts = one_unit([("C1", "closure", dt.date(2026, 11, 3)),
                      ("C1", "closure", dt.date(2026, 11, 4))])
    assert ranking.score_units(Q4, Q4.end, harsh, facts)[0]["score"] == 0.0
    lenient = dataclasses.replace(ranking.ScoreRules(), return_deduction=0)
    entry = ranking.score_units(Q4, Q4.end, lenient, facts)[0]
    assert entry["score"] == 100.0 and entry["breakdown"]["deductions"] == []
    with pytest.raises(InvalidInput):
        ranking.ScoreRules.from_dict({"return_deduction": -1})


# The weekly bulletin ---------------------------------------------------------------

def test_the_bulletin_tallies_the_weeks_verifications():
    from services.notify import documents
    from services.notify import logic as notify

    def fact(kind, key, day, detail="销号提交复核"):
        return {"kind": kind, "key": key, "task": "T1", "unit": "yz", "detail": detail,
                "day": day}

    monday = dt.date(2026, 11, 2)
    facts = [
        fact(notify.VERIFY_WAITING, "v1", dt.date(2026, 10, 28)),   # asked last week
        fact(notify.VERIFY_RETURNED, "v1", dt.date(2026, 11, 3), "销号复核退回：未盖章"),
        fact(notify.VERIFY_WAITING, "v2", dt.date(2026, 11, 4)),
        fact(notify.VERIFY_CONFIRMED, "v2", dt.date(2026, 11, 5), "销号复核确认"),
        fact(notify.VERIFY_COUNTED, "v3", dt.date(2026, 11, 5), "13710节点（部署）申请，已计入"),
        fact(notify.VERIFY_WAITING, "v4", dt.date(2026, 11, 6)),
        fact(notify.VERIFY_WAITING, "v5", dt.date(2026, 10, 20)),   # still waiting
        fact(notify.VERIFY_CONFIRMED, "v4", dt.date(2026, 11, 10)),  # after the week
    ]
    in_week = [f for f in facts if monday <= f["day"] <= dt.date(2026, 11, 8)]
    summary = notify.bulletin_summary(monday, in_week, {"yz": "袁州区"},
                                      dt.datetime(2026, 11, 9, 8), verifications=facts)
    assert summary["verification"] == {"requested": 3, "confirmed": 1, "returned": 1,
                                       "pending": 2}
    section = summary["sections"][-1]
    assert section["key"] == "verification"
    assert [row["detail"] for row in section["rows"]] == ["销号复核退回：未盖章", "销号复核确认"]
    assert section["summary"] == ("本周申请复核事项3项，督查办确认1项、退回1项，"
                                  "截至本周末待复核2项。")
    assert section["summary"] in documents.render_html(
        summary, notify.bulletin_heading("市督查办", "draft"))
    assert notify.verification_detail(
        {"kind": "commitment", "subject": "9", "claim": {"step": "完成用地报批"}},
        "复核确认") == "承诺兑现（完成用地报批）复核确认"
