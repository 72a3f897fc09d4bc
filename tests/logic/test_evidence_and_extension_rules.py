"""The evidence a report must carry and the extensions units ask for, as pure rules."""
import datetime as dt

import pytest

from services.common.errors import InvalidInput
from services.tasks import evidence_rules, logic
from services.tasks.evidence_rules import EvidenceRules

NOW = dt.datetime(2026, 5, 10, 8, 0)


def check(items, rules, uploads=None, targets=None):
    states = {"T1": logic.TaskState(40.0, "active", {"a"}),
              "T2": logic.TaskState(10.0, "active", {"a"})}
    evidence = evidence_rules.evidence_check(
        uploads or {}, rules, targets if targets is not None else {"T1": {1, 2}, "T2": {1}})
    return logic.check_progress_batch(items, states, {"a"}, None, NOW, evidence=evidence)


def test_by_default_a_report_at_100_needs_no_file():
    accepted, results = check([{"task": "T1", "unit": "a", "percent": 100}], EvidenceRules())
    assert [r["status"] for r in results] == ["accepted"]
    assert accepted[0]["evidence"] == []


def test_at_full_a_report_at_100_without_a_file_is_refused_per_item():
    accepted, results = check([
        {"task": "T1", "unit": "a", "percent": 100},
        {"task": "T2", "unit": "a", "percent": 60},
        {"task": "T2", "unit": "a", "percent": 100, "evidence": [7]},
    ], EvidenceRules(at_full=True), uploads={7: "T2"})
    assert [r["status"] for r in results] == ["rejected", "accepted", "accepted"]
    assert results[0]["code"] == "evidence_required_full"
    assert "佐证资料" in results[0]["reason"]
    assert [item["evidence"] for item in accepted] == [[], [7]]


def test_a_claimed_target_needs_a_file_when_the_rule_says_so():
    items = [{"task": "T1", "unit": "a", "percent": 50, "target_met": 1}]
    _, results = check(items, EvidenceRules(at_target_met=True))
    assert results[0]["code"] == "evidence_required_target"
    assert "第1个目标" in results[0]["reason"]
    _, results = check(items, EvidenceRules(at_full=True))
    assert results[0]["status"] == "accepted"


def test_a_claimed_target_must_be_one_of_the_task():
    _, results = check([{"task": "T2", "unit": "a", "percent": 50, "target_met": 3}],
                       EvidenceRules())
    assert results[0]["code"] == "target_met_unknown"


@pytest.mark.parametrize("uploads, evidence", [
    ({}, [7]),                  # never uploaded, or named by a report already
    ({7: "T2"}, [7]),           # another task's file
    ({7: "T1"}, [7, 7]),        # the same file twice
])
def test_a_report_names_only_uploads_of_its_task_not_yet_used(uploads, evidence):
    _, results = check([{"task": "T1", "unit": "a", "percent": 50, "evidence": evidence}],
                       EvidenceRules(), uploads=uploads)
    assert results[0]["code"] == "evidence_unknown"


def test_one_file_supports_one_report_of_a_batch():
    _, results = check([{"task": "T1", "unit": "a", "percent": 50, "evidence": [7]},
                        {"task": "T1", "unit": "a", "percent": 60, "evidence": [7]}],
                       EvidenceRules(), uploads={7: "T1"})
    assert [r["status"] for r in results] == ["accepted", "rejected"]


def test_a_file_of_a_refused_report_stays_free_for_the_next():
    _, results = check([{"task": "T1", "unit": "a", "percent": 30, "evidence": [7]},
                        {"task": "T1", "unit": "a", "percent": 60, "evidence": [7]}],
                       EvidenceRules(), uploads={7: "T1"})
    assert [r.get("code") for r in results] == ["percent_lower", None]


def test_the_rules_refuse_unknown_and_wrong_fields():
    with pytest.raises(InvalidInput) as caught:
        EvidenceRules.from_dict({"at_full": "yes", "at_everything": True})
    assert set(caught.value.detail) == {"at_full", "at_everything"}
    assert EvidenceRules.from_dict({"at_full": True}).at_full is True


D = dt.date


def test_a_request_asks_for_a_later_date_once_at_a_time():
    assert evidence_rules.request_problem("active", D(2027, 1, 31), D(2026, 12, 31),
                                          D(2026, 12, 31), None, False, "T1") is None
    assert evidence_rules.request_problem("active", D(2026, 12, 1), D(2026, 12, 31),
                                          D(2026, 12, 31), None, False,
                                          "T1")["code"] == "extension_not_later"
    assert evidence_rules.request_problem("active", D(2027, 1, 31), D(2026, 12, 31),
                                          D(2026, 12, 31), None, True,
                                          "T1")["code"] == "extension_request_pending"
    closed = evidence_rules.request_problem("closed", D(2027, 1, 31), D(2026, 12, 31),
                                            D(2026, 12, 31), None, False, "T1")
    assert closed["code"] == "task_not_active" and "已销号" in closed["message"]
    # A target stays within the task's own due date.
    assert evidence_rules.request_problem("active", D(2027, 1, 31), D(2026, 6, 30),
                                          D(2026, 12, 31), 1, False,
                                          "T1")["code"] == "extension_after_task"


REQUEST = {"status": "pending", "previous_due_date": D(2026, 12, 31),
           "asked_due_date": D(2027, 3, 31)}


def test_the_office_approves_shortens_or_refuses():
    assert evidence_rules.decision(REQUEST, "approved", None) == (D(2027, 3, 31), None)
    assert evidence_rules.decision(REQUEST, "shortened", D(2027, 2, 28)) == (D(2027, 2, 28),
                                                                              None)
    assert evidence_rules.decision(REQUEST, "refused", None) == (None, None)


@pytest.mark.parametrize("granted", [None, D(2026, 12, 31), D(2027, 3, 31), D(2027, 6, 30)])
def test_a_shortened_date_lies_between_the_old_and_the_asked(granted):
    date, problem = evidence_rules.decision(REQUEST, "shortened", granted)
    assert date is None and problem["code"] == "extension_shortened_between"
    assert "2026年12月31日" in problem["message"]


def test_a_decided_request_is_not_decided_again():
    _, problem = evidence_rules.decision({**REQUEST, "status": "refused"}, "approved", None)
    assert problem["code"] == "extension_request_decided" and "未批准" in problem["message"]
