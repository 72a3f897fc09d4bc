"""The tasks service in a container: evidence that supports a report (and the
office's rules that may require it), and extensions a lead unit asks for and
the office decides. Clock: 2026-01-03, 10:00 in the city."""
import base64

import pytest

from services.common.errors import Forbidden, InvalidInput
from tests.service import test_tasks_service
from tests.service.test_tasks_service import ADMIN, PDF, seed

# The tasks service and its clock, as the tasks service's own tests start them.
clock = test_tasks_service.clock
tasks = test_tasks_service.tasks

YZ = {"user": "yz-op", "role": "operator", "units": ["yz"]}
FGW = {"user": "fgw-op", "role": "operator", "units": ["fgw"]}


def upload(tasks, caller=YZ, name="验收报告.pdf"):
    return tasks("add_evidence", "T1", name, "application/pdf",
                 base64.b64encode(PDF).decode(), caller)["id"]


def test_a_report_keeps_the_files_it_names(tasks):
    seed(tasks)
    first = upload(tasks)
    answer = tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 30,
                                         "evidence": [first]}], YZ)
    report_id = answer["results"][0]["id"]
    task = tasks("get_task", "T1", ADMIN)
    (report,) = task["progress"]
    assert [item["id"] for item in report["evidence"]] == [first]
    assert report["evidence"][0]["sha256"] and report["evidence"][0]["size"] == len(PDF)
    assert task["evidence"][0]["report_id"] == report_id
    # A file supports one report: naming it again is refused for that item only.
    answer = tasks("report_progress", [
        {"task": "T1", "unit": "yz", "percent": 40, "evidence": [first]},
        {"task": "T1", "unit": "yz", "percent": 45}], YZ)
    assert [r["status"] for r in answer["results"]] == ["rejected", "accepted"]
    assert answer["results"][0]["code"] == "evidence_unknown"
    history = tasks("get_task_history", "T1", ADMIN)
    assert [r["id"] for r in history["reports"]] == [report_id]


def test_the_office_requires_evidence_at_100_from_then_on(tasks):
    seed(tasks)
    assert tasks("get_evidence_rules")["rules"] == {"at_full": False, "at_target_met": False}
    with pytest.raises(Forbidden):
        tasks("update_evidence_rules", {"at_full": True}, YZ)
    with pytest.raises(InvalidInput):
        tasks("update_evidence_rules", {"at_full": "yes"}, ADMIN)
    rules = tasks("update_evidence_rules", {"at_full": True, "at_target_met": True}, ADMIN,
                  note="完成须有佐证")
    assert rules["version"] == 2 and rules["created_by"] == "admin"
    answer = tasks("report_progress", [
        {"task": "T1", "unit": "yz", "percent": 60, "target_met": 1},
        {"task": "T1", "unit": "yz", "percent": 100}], YZ)
    assert [r["code"] for r in answer["results"]] == ["evidence_required_target",
                                                      "evidence_required_full"]
    assert answer["accepted"] == 0
    file_id = upload(tasks)
    answer = tasks("report_progress", [
        {"task": "T1", "unit": "yz", "percent": 100, "evidence": [file_id]}], YZ)
    assert answer["accepted"] == 1
    assert tasks("list_evidence_rule_versions")["total"] == 1


def test_a_lead_unit_asks_and_the_office_shortens(tasks):
    seed(tasks)
    tasks.tap.take(5)
    with pytest.raises(Forbidden):  # a cooperating unit does not ask
        tasks("request_extension", "T1", "2027-03-31", "征地延误", FGW)
    with pytest.raises(InvalidInput):
        tasks("request_extension", "T1", "2027-03-31", "  ", YZ)
    request = tasks("request_extension", "T1", "2027-03-31", "征地延误", YZ)
    assert request["status"] == "pending" and request["unit"] == "yz"
    assert request["previous_due_date"] == "2026-12-31"
    with pytest.raises(InvalidInput) as caught:
        tasks("request_extension", "T1", "2027-04-30", "再延", YZ)
    assert caught.value.detail["code"] == "extension_request_pending"
    queue = tasks("list_extension_requests", ADMIN, status="pending")
    assert queue["total"] == 1 and queue["counts"]["pending"] == 1
    assert tasks("list_extension_requests", FGW)["total"] == 0  # another unit's request
    with pytest.raises(Forbidden):
        tasks("decide_extension", request["id"], "approved", "同意", YZ)
    with pytest.raises(InvalidInput) as caught:
        tasks("decide_extension", request["id"], "shortened", "缩短", ADMIN,
              granted_due_date="2027-05-01")
    assert caught.value.detail["code"] == "extension_shortened_between"
    decided = tasks("decide_extension", request["id"], "shortened", "同意延至2月底", ADMIN,
                    granted_due_date="2027-02-28")
    assert decided["status"] == "shortened" and decided["granted_due_date"] == "2027-02-28"
    task = tasks("get_task", "T1", ADMIN)
    assert task["due_date"] == "2027-02-28"
    assert task["targets"][1]["due_date"] == "2027-02-28"  # moved with it, as extend_task does
    assert task["extensions"][0]["reason"] == "同意延至2月底"
    assert [r["status"] for r in task["extension_requests"]] == ["shortened"]
    kinds = [kind for kind, _ in tasks.tap.take(3)]
    assert kinds == ["extension_requested", "task_extended", "extension_decided"]
    with pytest.raises(InvalidInput) as caught:
        tasks("decide_extension", request["id"], "approved", "同意", ADMIN)
    assert caught.value.detail["code"] == "extension_request_decided"


def test_a_refusal_leaves_the_date(tasks):
    seed(tasks)
    request = tasks("request_extension", "T1", "2026-08-31", "资金未到位", YZ, seq=1)
    decided = tasks("decide_extension", request["id"], "refused", "理由不充分", ADMIN)
    assert decided["status"] == "refused" and decided["granted_due_date"] is None
    task = tasks("get_task", "T1", ADMIN)
    assert task["targets"][0]["due_date"] == "2026-06-30" and task["extensions"] == []
    counts = tasks("list_extension_requests", ADMIN)["counts"]
    assert counts == {"pending": 0, "approved": 0, "shortened": 0, "refused": 1}
    history = tasks("get_task_history", "T1", YZ)
    assert history["extension_requests"][0]["decision_reason"] == "理由不充分"
