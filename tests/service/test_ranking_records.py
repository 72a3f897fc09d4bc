"""The ranking service following the office's corrections, fed real events
through the broker: a cancelled task leaves the ranking's future, a re-plan
counts each target against the plan in force on its due date, a new lead unit
answers from the day of the change, a renamed unit keeps its rank and a retired
one leaves the rankings. The service's "today" is pinned to 2026-11-23."""
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.common.clock import LocalClock
from services.common.events import new_event
from services.ranking.service import Service
from tests.support.publish import publish_event
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}


@pytest.fixture
def ranking(container_factory, amqp_uri, tmp_path, db_backend, monkeypatch):
    config = service_config(amqp_uri, tmp_path, {"ranking": db_backend} if db_backend else None)
    prepare(config, "ranking")
    monkeypatch.setattr(LocalClock, "now", lambda self: dt.datetime.combine(
        dt.date(2026, 11, 23), dt.time(9), self.zone))
    container = container_factory(Service, config)
    container.start()

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    def deliver(event_type, payload):
        with entrypoint_waiter(container, f"on_{event_type}"):
            publish_event(amqp_uri, "tasks", event_type, payload)

    call.deliver = deliver
    for code in ("C1", "C2"):
        deliver("unit_created", new_event(unit={"code": code, "name": code, "kind": "county",
                                                "parent": None, "head": None,
                                                "operator": None}))
    # T1 led by C1: one target due in October, one in November, one in December.
    deliver("task_created", new_event(task={
        "code": "T1", "title": "T1", "category": None, "source": "plan", "clock_class": None,
        "lead_unit": "C1", "cooperating_units": [], "responsible_person": None,
        "start_date": "2026-07-01", "due_date": "2026-12-31", "status": "active",
        "created_at": "2026-07-01T00:00:00", "targets": [
            {"seq": seq, "due_date": due, "planned_percent": planned, "unit": "C1",
             "description": None}
            for seq, (due, planned) in enumerate(
                (("2026-10-15", 40), ("2026-11-10", 70), ("2026-12-31", 100)), start=1)]}))
    yield call
    container.stop()


def due_targets(ranking, unit, period="2026-Q4"):
    answer = ranking("get_ranking", period=period, group="county", caller=ADMIN)
    entry = next((e for e in answer["entries"] if e["unit"] == unit), None)
    if entry is None:
        return None
    on_time = next(i for i in entry["breakdown"]["indicators"] if i["key"] == "on_time")
    return on_time["detail"]


def test_a_cancelled_task_leaves_the_rankings_future_only(ranking):
    assert due_targets(ranking, "C1").startswith("本期到期目标2个")
    # Cancelled on 1 November: October's target still counts, November's no more.
    ranking.deliver("task_cancelled", new_event(task="T1", lead_unit="C1", status="cancelled",
                                                reason="不再实施", effective_on="2026-11-01"))
    assert due_targets(ranking, "C1").startswith("本期到期目标1个")


def test_a_replan_counts_each_target_against_the_plan_in_force_on_its_due_date(ranking):
    ranking.deliver("task_replanned", new_event(
        task="T1", lead_unit="C1", plan_version=2, effective_on="2026-11-01", replaced=[2, 3],
        added=[4, 5, 6], reason="调整", approved_by="admin", targets=[
            {"seq": 1, "due_date": "2026-10-15", "planned_percent": 40, "unit": "C1"},
            {"seq": 4, "due_date": "2026-11-05", "planned_percent": 50, "unit": "C1"},
            {"seq": 5, "due_date": "2026-11-20", "planned_percent": 60, "unit": "C1"},
            {"seq": 6, "due_date": "2026-12-31", "planned_percent": 100, "unit": "C1"}]))
    # October's target, and the new plan's two due by 23 November.
    assert due_targets(ranking, "C1").startswith("本期到期目标3个")


def test_a_new_lead_answers_for_the_targets_due_from_the_day_of_the_change(ranking):
    ranking.deliver("task_updated", new_event(
        task={"code": "T1", "lead_unit": "C2", "cooperating_units": [], "clock_class": None,
              "status": "active", "start_date": "2026-07-01", "created_at": None,
              "targets": [{"seq": s, "due_date": d, "planned_percent": p, "unit": "C2"}
                          for s, d, p in ((1, "2026-10-15", 40), (2, "2026-11-10", 70),
                                          (3, "2026-12-31", 100))]},
        changes={"lead_unit": ["C1", "C2"]}, previous_lead_unit="C1",
        effective_on="2026-11-01", reason="职能划转", version=2))
    assert due_targets(ranking, "C1").startswith("本期到期目标1个")
    assert due_targets(ranking, "C2").startswith("本期到期目标1个")


def test_a_renamed_unit_keeps_its_place_and_a_retired_one_leaves(ranking):
    ranking.deliver("unit_updated", new_event(unit={"code": "C2", "name": "新区",
                                                    "kind": "county"}, changes={}))
    answer = ranking("get_ranking", group="county", caller=ADMIN)
    assert {e["unit"]: e["name"] for e in answer["entries"]}["C2"] == "新区"
    ranking.deliver("unit_retired", new_event(unit="C2", merged_into=None,
                                              effective_on="2026-11-20", reason="撤并"))
    assert due_targets(ranking, "C2") is None
    # A period scored as of a day before the retirement still has it. Q3's draft
    # is the timer's, which may have been made before C2 was, and is then made
    # again within a tick or two of the events.
    assert eventually(lambda: due_targets(ranking, "C2", period="2026-Q3") is not None,
                      timeout=10)
