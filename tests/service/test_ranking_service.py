"""The ranking service in a container, fed real events through the broker: scores
from the facts of a period, live standings kept up to date by the timer, the lead
units' evaluations, a ranking carried from draft to publication, late events,
and the score rules as versioned data.

The service's "today" is pinned to 2026-11-23 (in 2026-Q4; 2026-Q3 has ended)."""
import datetime as dt
import itertools
import time

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.clock import LocalClock, utcnow
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.common.events import new_event
from services.ranking import repository as repo
from services.ranking.dependencies import LastScoring
from services.ranking.models import reports, standings, targets
from services.ranking.service import MIN_SCORING_GAP, Service
from tests.support.events import EventTap
from tests.support.publish import publish_event
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}
LEADER = {"user": "leader", "role": "leader", "units": None}
C1_OPERATOR = {"user": "c1", "role": "operator", "units": ["C1"]}
D1_EVALUATOR = {"user": "d1-eval", "role": "evaluator", "units": ["D1"]}
D2_EVALUATOR = {"user": "d2-eval", "role": "evaluator", "units": ["D2"]}


@pytest.fixture
def ranking(container_factory, amqp_uri, tmp_path, db_backend, monkeypatch):
    config = service_config(amqp_uri, tmp_path, {"ranking": db_backend} if db_backend else None)
    prepare(config, "ranking")
    today = {"day": dt.date(2026, 11, 23)}
    monkeypatch.setattr(LocalClock, "now", lambda self: dt.datetime.combine(
        today["day"], dt.time(9), self.zone))
    container = container_factory(Service, config)
    container.start()
    tap = EventTap(amqp_uri, "ranking")
    engine = next(dep for dep in container.dependencies if dep.attr_name == "db").engine

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    def deliver(producer, event_type, payload, handler=None):
        with entrypoint_waiter(container, handler or f"on_{event_type}"):
            publish_event(amqp_uri, producer, event_type, payload)
        return payload

    call.deliver, call.tap, call.engine = deliver, tap, engine
    call.set_today = lambda day: today.update(day=day)
    yield call
    tap.close()
    container.stop()  # before its database is dropped


def unit(code, kind, name=None):
    return new_event(unit={"code": code, "name": name or code, "kind": kind, "parent": None,
                           "head": None, "operator": None})


def task(code, lead, targets, cooperating=(), clock_class=None, start="2026-07-01"):
    return new_event(task={
        "code": code, "title": code, "category": None, "source": "plan",
        "clock_class": clock_class, "lead_unit": lead, "cooperating_units": list(cooperating),
        "responsible_person": None, "start_date": start, "due_date": "2026-12-31",
        "status": "active", "created_at": "2026-07-01T00:00:00",
        "targets": [{"seq": seq, "due_date": due, "planned_percent": planned, "unit": owner,
                     "description": None}
                    for seq, (due, planned, owner) in enumerate(targets, start=1)]})


def progress(*reports_):
    return new_event(batch_id="b", source="portal", reports=[
        {"id": n, "task": code, "unit": "x", "percent": percent, "correction": False,
         "reported_at": at} for n, (code, percent, at) in enumerate(reports_, start=1)])


def colours(as_of, *changes):
    return new_event(as_of=as_of, changes=[
        {"item_kind": "target", "item_key": key, "task": key.split(":")[0], "unit": owner,
         "colour": colour, "previous": None, "reason": "…", "rule_version": 1}
        for key, owner, colour in changes])


def a_city(ranking):
    """Two counties and two departments; C1 and C2 each own a target due in
    October and one in December of tasks led by D1, on which they cooperate."""
    for code, kind in (("C1", "county"), ("C2", "county"), ("D1", "department"),
                       ("D2", "department"), ("OF", "office")):
        ranking.deliver("tasks", "unit_created", unit(code, kind))
    # T1 and T2 arrive as an import does, together; T3 alone.
    ranking.deliver("tasks", "tasks_imported", new_event(tasks=[task(
        "T1", "D1", [("2026-10-31", 50, "C1"), ("2026-12-31", 100, "C1")], cooperating=["C1"]
    )["task"], task(
        "T2", "D1", [("2026-10-31", 50, "C2"), ("2026-12-31", 100, "C2")], cooperating=["C2"]
    )["task"]]))
    ranking.deliver("tasks", "task_created", task("T3", "D2", [("2026-11-15", 100, "D2")]))


def entries(answer):
    return {entry["unit"]: entry for entry in answer["entries"]}


def indicator(entry, key):
    return next(i for i in entry["breakdown"]["indicators"] if i["key"] == key)


def test_reports_and_colours_score_the_live_period(ranking):
    a_city(ranking)
    # C1 reaches its October target on time; C2 a week late, and goes red for it.
    ranking.deliver("tasks", "progress_reported", progress(
        ("T1", 60, "2026-10-20T02:00:00Z"), ("T2", 20, "2026-10-20T02:00:00Z")))
    ranking.deliver("tasks", "progress_reported", progress(("T2", 55, "2026-11-07T02:00:00Z")))
    ranking.deliver("warnings", "colour_changed", colours("2026-11-01", ("T2:1", "C2", "red")))
    ranking.deliver("warnings", "colour_changed", colours("2026-11-07", ("T2:1", "C2", "green")))

    county = ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN)
    assert (county["status"], county["as_of"], county["label"]) == ("live", "2026-11-23",
                                                                     "2026年第四季度")
    c1, c2 = entries(county)["C1"], entries(county)["C2"]
    assert indicator(c1, "on_time")["score"] == 100.0
    assert indicator(c2, "on_time")["score"] == 0.0
    # 6 red days (1–6 November) of weight 3 over 92 days, 10 points per unit of load.
    assert indicator(c2, "warnings")["score"] == round(100 - 10 * 3 * 6 / 92, 2)
    assert c2["red_items"] == 1
    assert [e["unit"] for e in county["entries"]] == ["C1", "C2"]
    assert [e["unit"] for e in county["red_list"]] == ["C1"]
    # The department group is asked for separately, and the office ranks nowhere.
    departments = ranking("get_ranking", group="department", caller=ADMIN)
    assert departments["period"] == "2026-Q4"
    assert set(entries(departments)) == {"D1", "D2"}


def test_the_citys_on_time_rate_counts_targets_met_by_their_due_dates(ranking):
    a_city(ranking)  # today is 23 November: three targets have fallen due this quarter
    ranking.deliver("tasks", "progress_reported", progress(
        ("T1", 60, "2026-10-20T02:00:00Z"), ("T2", 20, "2026-10-20T02:00:00Z")))
    ranking.deliver("tasks", "progress_reported", progress(("T2", 55, "2026-11-07T02:00:00Z")))
    rates = ranking("get_city_rates")
    # T1's October step was met in time; T2's a week late; T3's November step not at all.
    assert (rates["period"], rates["targets_due"], rates["targets_met"]) == ("2026-Q4", 3, 1)
    assert rates["on_time_rate"] == 33.3


def test_a_target_counts_as_reached_when_the_report_was_received(ranking):
    a_city(ranking)
    # Said to be reached on 28 October, received on 3 November: reached late.
    ranking.deliver("tasks", "progress_reported", new_event(
        batch_id="b", source="portal", reports=[
            {"id": 41, "task": "T1", "unit": "C1", "percent": 60, "correction": False,
             "reported_at": "2026-10-28T02:00:00Z", "received_at": "2026-11-03T02:00:00Z"}]))
    c1 = entries(ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN))["C1"]
    assert indicator(c1, "on_time")["score"] == 0.0
    # The office finds the paper report reached it on 28 October: on time after all.
    ranking.deliver("tasks", "progress_receipt_corrected", new_event(
        report={"id": 41, "task": "T1", "unit": "C1", "percent": 60, "correction": False,
                "reported_at": "2026-10-28T02:00:00", "received_at": "2026-10-28T02:00:00"},
        previous_received_at="2026-11-03T02:00:00", reason="纸质材料已于10月28日送达",
        corrected_by="admin", last_received_at="2026-10-28T02:00:00",
        last_rise_received_at="2026-10-28T02:00:00"))
    c1 = entries(ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN))["C1"]
    assert indicator(c1, "on_time")["score"] == 100.0


def test_a_clean_unit_ranks_before_its_work_falls_due_and_older_steps_do_not_count(ranking):
    for code in ("C1", "C2"):
        ranking.deliver("tasks", "unit_created", unit(code, "county"))
    # C1's task was given on 15 November with a step due in October: never its to
    # meet on time. Its next step falls due in December.
    imported = task("T1", "C1", [("2026-10-31", 50, "C1"), ("2026-12-31", 100, "C1")])
    imported["task"]["created_at"] = "2026-11-15T02:00:00Z"
    ranking.deliver("tasks", "task_created", imported)
    ranking.deliver("tasks", "task_created", task("T2", "C2", [("2026-10-31", 50, "C2")]))
    ranking.deliver("warnings", "colour_changed", colours("2026-11-01", ("T2:1", "C2", "red")))
    county = entries(ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN))
    c1, c2 = county["C1"], county["C2"]
    assert (c1["rank"], c1["score"], c2["rank"]) == (1, 100.0, 2), county
    assert indicator(c1, "on_time")["score"] is None  # nothing of its own due yet
    assert indicator(c1, "warnings")["score"] == 100.0


def test_batches_of_reports_date_each_target_as_its_reports_recomputed_would(ranking):
    """reached_on and reported_on, moved batch by batch, are what recomputing
    them from every report kept gives (repository.refresh_targets): reports out
    of order, a task twice in one batch, a later report below an earlier one."""
    a_city(ranking)
    ranking.deliver("tasks", "task_created", task("T4", "D2", [
        ("2026-09-30", 20, "D2"), ("2026-10-31", 60, "D2"), ("2026-12-31", 100, "D2")]))
    ranking.deliver("tasks", "progress_reported", progress(
        ("T4", 30, "2026-10-20T02:00:00Z"), ("T1", 50, "2026-09-01T02:00:00Z"),
        ("T4", 10, "2026-08-01T02:00:00Z"), ("T2", 40, "2026-10-02T02:00:00Z")))
    ranking.deliver("tasks", "progress_reported", progress(
        ("T4", 70, "2026-10-25T02:00:00Z"), ("T4", 65, "2026-10-10T02:00:00Z"),
        ("T1", 100, "2026-11-20T02:00:00Z"), ("T3", 100, "2026-11-16T02:00:00Z"),
        ("T2", 55, "2026-10-30T02:00:00Z")))

    def dated():
        with ranking.engine.connect() as connection:
            return {(row.task, row.seq): (row.reached_on, row.reported_on)
                    for row in connection.execute(select(targets))}

    kept = dated()
    # 1 August is more than 30 days before 30 September: not a report on it.
    assert kept[("T4", 1)] == (dt.date(2026, 10, 10), dt.date(2026, 10, 10))
    assert kept[("T4", 2)] == (dt.date(2026, 10, 10), dt.date(2026, 10, 10))
    assert kept[("T4", 3)] == (None, None)
    assert kept[("T1", 1)] == (dt.date(2026, 9, 1), dt.date(2026, 11, 20))
    with Session(ranking.engine) as session, session.begin():
        repo.refresh_targets(session, ["T1", "T2", "T3", "T4"])
    assert dated() == kept


def test_a_redelivered_batch_counts_once(ranking):
    a_city(ranking)
    batch = progress(("T1", 60, "2026-10-20T02:00:00Z"))
    ranking.deliver("tasks", "progress_reported", batch)
    ranking.deliver("tasks", "progress_reported", batch)
    with ranking.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(reports)).scalar() == 1


def test_the_live_standings_follow_events_within_seconds(ranking):
    a_city(ranking)
    fresh = eventually(lambda: _standings(ranking))
    ranking.deliver("tasks", "progress_reported", progress(("T1", 60, "2026-10-20T02:00:00Z")))

    def refreshed():
        row = _standings(ranking)
        assert row and row.computed_at > fresh.computed_at and not row.stale, row
        c1 = next(e for e in row.groups["county"]["entries"] if e["unit"] == "C1")
        assert indicator(c1, "on_time")["score"] == 100.0
        return row
    eventually(refreshed, timeout=20)


def scored_twice(ranking, monkeypatch):
    """The moments of two scorings: the first after an event, the second because
    an event's effect landed while the first ran."""
    a_city(ranking)
    eventually(lambda: (row := _standings(ranking)) and row.rules_version > 0 and not row.stale)
    scorings = []
    score_apart = Service._score_apart

    def scoring(self, period, as_of, rules):
        scorings.append(time.monotonic())
        groups = score_apart(self, period, as_of, rules)
        if len(scorings) == 1:  # an event's effect lands while the scoring runs
            with self.db.session() as session:
                repo.touch(session, [as_of])
        return groups

    monkeypatch.setattr(Service, "_score_apart", scoring)
    ranking.deliver("tasks", "progress_reported", progress(("T1", 60, "2026-10-20T02:00:00Z")))
    # Deadlines, not waits: on a loaded machine each scoring's own time widens
    # the gap (logic.busy_gap).
    eventually(lambda: len(scorings) >= 2, timeout=60)
    eventually(lambda: not _standings(ranking).stale, timeout=60)
    return scorings


def test_under_a_flood_of_events_the_standings_are_scored_at_most_once_a_gap(
        ranking, monkeypatch):
    # Events still being applied (the last one a moment ago, whenever asked).
    monkeypatch.setattr(repo, "last_applied_at", lambda session: utcnow())
    scorings = scored_twice(ranking, monkeypatch)
    # However stale, the standings are scored at most once per MIN_SCORING_GAP
    # (less a little: the moments here are taken just after each claim).
    assert scorings[1] - scorings[0] > MIN_SCORING_GAP.total_seconds() - 0.5


def test_under_a_flood_a_long_scoring_waits_out_its_share_of_the_time(ranking, monkeypatch):
    monkeypatch.setattr(repo, "last_applied_at", lambda session: utcnow())
    # Every scoring is taken to last 0.7 s: at most a tenth of the time means
    # 7 s between them, longer than MIN_SCORING_GAP.
    moments = itertools.count(step=0.7)
    monkeypatch.setattr(LastScoring, "clock", staticmethod(lambda: next(moments)))
    scorings = scored_twice(ranking, monkeypatch)
    assert scorings[1] - scorings[0] > 7 - 0.5


def test_once_the_events_stop_the_standings_are_scored_at_the_next_tick(
        ranking, monkeypatch):
    # The last event was applied before the first scoring: by the next tick the
    # flood is over, and the big screen need not wait out the gap.
    scorings = scored_twice(ranking, monkeypatch)
    assert scorings[1] - scorings[0] < MIN_SCORING_GAP.total_seconds() - 1


def test_the_standings_say_up_to_which_moment_they_hold_the_facts(ranking):
    a_city(ranking)
    ranking.deliver("tasks", "progress_reported", progress(("T1", 60, "2026-10-20T02:00:00Z")))
    applied = dt.datetime.fromisoformat(ranking("activity")["last_applied_at"].rstrip("Z"))

    def holds_every_fact():
        answer = ranking("get_ranking", group="county", caller=ADMIN)
        assert dt.datetime.fromisoformat(answer["computed_at"].rstrip("Z")) >= applied, answer
        return answer
    c1 = next(e for e in eventually(holds_every_fact)["entries"] if e["unit"] == "C1")
    assert indicator(c1, "on_time")["score"] == 100.0


def _standings(ranking):
    with ranking.engine.connect() as connection:
        return connection.execute(select(standings).where(standings.c.period == "2026-Q4")).first()


def test_lists_are_hidden_until_published_and_published_only_after_approval(ranking):
    a_city(ranking)
    ranking.deliver("tasks", "progress_reported", progress(("T1", 60, "2026-10-20T02:00:00Z")))
    ranking.set_today(dt.date(2027, 1, 5))

    with pytest.raises(Conflict):  # a period that has not ended is not drafted
        ranking("draft_ranking", "2027-Q1", caller=ADMIN)
    # Q2 is never drafted here (the timer drafts only the period just ended, and
    # may well have drafted Q3 on 23 November, before the day moved on).
    with pytest.raises(NotFound):
        ranking("publish_ranking", "2026-Q2", caller=ADMIN)
    with pytest.raises(Forbidden):
        ranking("draft_ranking", "2026-Q4", caller=LEADER)
    assert ranking("draft_ranking", "2026-Q4", caller=ADMIN)["status"] == "draft"
    with pytest.raises(Conflict):
        ranking("publish_ranking", "2026-Q4", caller=ADMIN)

    # Before publication leaders read the standings whole; a county reads its
    # own entry, and nothing from which the lists could be worked out.
    seen_by_leader = ranking("get_ranking", period="2026-Q4", group="county", caller=LEADER)
    assert seen_by_leader["status"] == "draft"
    assert [e["unit"] for e in seen_by_leader["entries"]] == ["C1", "C2"]
    assert seen_by_leader["red_list"] is not None and seen_by_leader["black_list"] is not None
    seen_by_c1 = ranking("get_ranking", period="2026-Q4", group="county", caller=C1_OPERATOR)
    assert [e["unit"] for e in seen_by_c1["entries"]] == ["C1"]
    assert seen_by_c1["entries"][0]["breakdown"]["indicators"]
    assert seen_by_c1["red_list"] is None and seen_by_c1["black_list"] is None
    approved = ranking("approve_ranking", "2026-Q4", caller=ADMIN)
    assert (approved["status"], approved["approved_by"]) == ("approved", "admin")
    assert ranking.tap.until(lambda key, _: key == "ranking_approved")[1]["period"] == "2026-Q4"

    published = ranking("publish_ranking", "2026-Q4", caller=ADMIN)
    assert published["status"] == "published"
    _, event = ranking.tap.until(lambda key, _: key == "ranking_published")
    county = next(group for group in event["groups"] if group["group"] == "county")
    # Neither county had a red item: both make the red list, the better first.
    assert [e["unit"] for e in county["red_list"]] == ["C1", "C2"]
    assert event["label"] == "2026年第四季度" and event["published_by"] == "admin"
    seen_by_leader = ranking("get_ranking", period="2026-Q4", group="county", caller=LEADER)
    assert [e["unit"] for e in seen_by_leader["red_list"]] == ["C1", "C2"]
    seen_by_c1 = ranking("get_ranking", period="2026-Q4", group="county", caller=C1_OPERATOR)
    assert [e["unit"] for e in seen_by_c1["entries"]] == ["C1", "C2"]
    assert [e["unit"] for e in seen_by_c1["red_list"]] == ["C1", "C2"]
    with pytest.raises(Conflict):
        ranking("reopen_ranking", "2026-Q4", caller=ADMIN)


def test_a_late_event_recomputes_a_draft_but_never_a_published_list(ranking):
    a_city(ranking)
    ranking.deliver("tasks", "progress_reported", progress(
        ("T1", 60, "2026-10-20T02:00:00Z"), ("T2", 60, "2026-10-20T02:00:00Z")))
    ranking.set_today(dt.date(2027, 1, 5))
    ranking("draft_ranking", "2026-Q4", caller=ADMIN)
    before = ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN)
    assert entries(before)["C2"]["red_items"] == 0

    # A colour of December arrives late: the draft is recomputed by the timer.
    ranking.deliver("warnings", "colour_changed", colours("2026-12-20", ("T2:2", "C2", "red")))

    def recomputed():
        after = ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN)
        assert entries(after)["C2"]["red_items"] == 1, after
        return after
    after = eventually(recomputed, timeout=20)
    assert "C2" not in [e["unit"] for e in after["red_list"]]

    ranking("approve_ranking", "2026-Q4", caller=ADMIN)
    ranking("publish_ranking", "2026-Q4", caller=ADMIN)
    ranking.deliver("warnings", "colour_changed", colours("2026-12-28", ("T1:2", "C1", "red")))
    published = ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN)
    assert published["late_events"] == 1
    assert entries(published)["C1"]["red_items"] == 0
    assert published["red_list"] == after["red_list"]


def test_a_stale_draft_waits_out_a_flood_of_events(ranking, monkeypatch):
    a_city(ranking)
    ranking.set_today(dt.date(2027, 1, 5))
    ranking("draft_ranking", "2026-Q4", caller=ADMIN)
    # Events keep coming for as long as `flood` says so; each tick that finds a
    # stale draft asks when the last one was applied.
    flood, asked = [True], itertools.count()
    real = repo.last_applied_at

    def last_applied_at(session):
        next(asked)
        return utcnow() if flood[0] else real(session)
    monkeypatch.setattr(repo, "last_applied_at", last_applied_at)
    ranking.deliver("warnings", "colour_changed", colours("2026-12-20", ("T2:2", "C2", "red")))
    start = next(asked)
    eventually(lambda: next(asked) > start + 6, timeout=20)  # three ticks or more
    draft = ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN)
    assert entries(draft)["C2"]["red_items"] == 0  # as it was, while the flood lasts

    flood[0] = False

    def recomputed():
        after = ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN)
        assert entries(after)["C2"]["red_items"] == 1, after
        return after
    eventually(recomputed, timeout=20)


def test_an_approved_ranking_reopens_with_the_late_events(ranking):
    a_city(ranking)
    ranking.set_today(dt.date(2027, 1, 5))
    ranking("draft_ranking", "2026-Q4", caller=ADMIN)
    ranking("approve_ranking", "2026-Q4", caller=ADMIN)
    ranking.deliver("tasks", "progress_reported", progress(("T1", 60, "2026-10-20T02:00:00Z")))
    frozen = ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN)
    assert frozen["late_events"] == 1
    assert indicator(entries(frozen)["C1"], "on_time")["score"] == 0.0

    assert ranking("reopen_ranking", "2026-Q4", caller=ADMIN)["status"] == "draft"
    approved = ranking("approve_ranking", "2026-Q4", caller=ADMIN)
    assert approved["late_events"] == 0
    ranked = ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN)
    # October's target now met in time; December's never was.
    assert indicator(entries(ranked)["C1"], "on_time")["score"] == 50.0


def test_the_ended_period_is_drafted_once_by_the_timer(ranking):
    a_city(ranking)

    def drafted():
        return next((p for p in ranking("list_periods")["items"] if p["period"] == "2026-Q3"),
                    None)
    state = eventually(drafted, timeout=20)
    assert (state["status"], state["drafted_by"]) == ("draft", "auto")
    assert ranking("list_periods")["current"]["period"] == "2026-Q4"


def test_lead_units_evaluate_their_cooperating_units(ranking):
    a_city(ranking)
    given = ranking("submit_evaluation", "2026-Q4",
                    {"unit": "C1", "score": 90, "comment": "配合积极"}, caller=D1_EVALUATOR)
    assert (given["lead_unit"], given["score"]) == ("D1", 90.0)
    # Given again, it replaces the first: one per lead unit, unit and period.
    ranking("submit_evaluation", "2026-Q4", {"unit": "C1", "score": 70, "comment": "一般"},
            caller=D1_EVALUATOR)
    listed = ranking("list_evaluations", "2026-Q4", unit="C1", caller=ADMIN)
    assert [(e["lead_unit"], e["score"]) for e in listed["items"]] == [("D1", 70.0)]
    # A lead unit's evaluation is for the office and its evaluator only.
    assert ranking("list_evaluations", "2026-Q4", caller=D1_EVALUATOR)["total"] == 1
    for caller in (D2_EVALUATOR, LEADER, C1_OPERATOR):
        assert ranking("list_evaluations", "2026-Q4", caller=caller)["items"] == []
    c1 = entries(ranking("get_ranking", group="county", caller=ADMIN))["C1"]
    assert indicator(c1, "evaluations")["score"] == 70.0

    with pytest.raises(Forbidden):  # D2 leads no task C1 cooperates on
        ranking("submit_evaluation", "2026-Q4", {"unit": "C1", "score": 50, "comment": "x"},
                caller=D2_EVALUATOR)
    with pytest.raises(Forbidden):  # an evaluator speaks for its own unit only
        ranking("submit_evaluation", "2026-Q4",
                {"unit": "C1", "score": 50, "comment": "x", "lead_unit": "D2"},
                caller=D1_EVALUATOR)
    with pytest.raises(Forbidden):
        ranking("submit_evaluation", "2026-Q4", {"unit": "C1", "score": 50, "comment": "x"},
                caller=LEADER)
    with pytest.raises(InvalidInput) as raised:
        ranking("submit_evaluation", "2026-Q4",
                {"unit": "C1", "score": 101, "comment": " ", "rank": 1}, caller=D1_EVALUATOR)
    assert set(raised.value.detail) == {"score", "comment", "rank"}

    ranking.set_today(dt.date(2027, 1, 5))
    ranking("draft_ranking", "2026-Q4", caller=ADMIN)
    ranking("approve_ranking", "2026-Q4", caller=ADMIN)
    with pytest.raises(Conflict):
        ranking("submit_evaluation", "2026-Q4", {"unit": "C1", "score": 95, "comment": "好"},
                caller=D1_EVALUATOR)


def test_score_rules_are_versioned_data_only_an_admin_changes(ranking):
    a_city(ranking)
    ranking.deliver("tasks", "progress_reported", progress(("T1", 60, "2026-10-20T02:00:00Z")))
    assert ranking("get_score_rules")["version"] == 1
    with pytest.raises(Forbidden):
        ranking("update_score_rules", {"red_list_size": 1}, caller=LEADER)
    with pytest.raises(InvalidInput) as raised:
        ranking("update_score_rules", {"red_weight": -1, "typo": 1}, caller=ADMIN)
    assert set(raised.value.detail) == {"red_weight", "typo"}
    with pytest.raises(InvalidInput):
        ranking("update_score_rules", {"red_list_size": 3}, caller=ADMIN)  # nothing differs

    changed = ranking("update_score_rules", {"red_list_size": 0}, caller=ADMIN, note="暂停红榜")
    assert (changed["version"], changed["created_by"], changed["note"]) == (2, "admin", "暂停红榜")
    _, event = ranking.tap.until(lambda key, _: key == "score_rules_changed")
    assert event["changes"] == {"red_list_size": [3, 0]}
    county = ranking("get_ranking", group="county", caller=ADMIN)
    assert county["rules_version"] == 2 and county["red_list"] == []
    assert [v["version"] for v in ranking("list_score_rule_versions")["items"]] == [2]


def test_bad_queries_are_invalid_input(ranking):
    with pytest.raises(InvalidInput):
        ranking("get_ranking", period="2026-Q5", caller=ADMIN)
    with pytest.raises(InvalidInput):
        ranking("get_ranking", period="2027-Q1", caller=ADMIN)  # not begun
    with pytest.raises(InvalidInput):
        ranking("get_ranking", group="province", caller=ADMIN)
    with pytest.raises(InvalidInput):
        ranking("list_movers", since="last week")


def test_movers_compare_the_standings_kept_each_day(ranking):
    a_city(ranking)
    ranking.deliver("tasks", "progress_reported", progress(("T2", 60, "2026-10-20T02:00:00Z")))

    def c2_first():
        row = _standings(ranking)
        assert row and not row.stale and row.groups["county"]["entries"][0]["unit"] == "C2", row
        return row
    eventually(c2_first, timeout=20)
    ranking.set_today(dt.date(2026, 11, 30))
    ranking.deliver("tasks", "progress_reported", progress(("T1", 60, "2026-10-25T02:00:00Z"),
                                                           ("T2", 10, "2026-11-28T02:00:00Z")))
    ranking.deliver("warnings", "colour_changed", colours("2026-11-28", ("T2:2", "C2", "red")))

    def moved():
        answer = ranking("list_movers", since="2026-11-23")
        assert [(m["unit"], m["rank_change"]) for m in answer["items"]] == [
            ("C1", 1), ("C2", -1)], answer
        return answer
    eventually(moved, timeout=20)


def test_an_ended_quarter_is_drafted_on_the_first_working_day_after_it(ranking):
    from tests.support.holiday_notices import BODY_2027

    a_city(ranking)
    ranking.deliver("warnings", "calendar_changed", new_event(
        year=2027, version=1, holidays=BODY_2027["holidays"], workdays=BODY_2027["workdays"],
        note="录入", changed_by="admin", changed_at="2026-12-01T02:00:00+00:00"))

    def periods():
        return {p["period"]: p for p in ranking("list_periods")["items"]}

    ranking.set_today(dt.date(2027, 1, 2))  # the New Year holiday the office entered
    ranking("refresh_standings")
    assert "2026-Q4" not in periods()
    ranking.set_today(dt.date(2027, 1, 4))
    ranking("refresh_standings")
    assert periods()["2026-Q4"]["drafted_by"] == "auto"


def _changes(session, day, *items):
    """Colour changes kept as on_colour_changed keeps them."""
    repo.save_colour_changes(session, [
        {"item_kind": "target", "item_key": key, "unit": "C1", "colour": colour}
        for key, colour in items], day, dt.datetime.combine(day, dt.time(1)))
    repo.touch(session, [day])


def test_a_period_keeps_what_was_amiss_when_it_began_and_reads_past_a_backdated_change(ranking):
    start = dt.date(2026, 10, 1)  # 2026-Q4, today's period
    with Session(ranking.engine) as session, session.begin():
        _changes(session, dt.date(2026, 9, 1), ("A#1", "red"), ("B#1", "yellow"), ("C#1", "green"))
        _changes(session, dt.date(2026, 9, 20), ("B#1", "green"))
        _changes(session, dt.date(2026, 10, 5), ("A#1", "green"))

    def begun():
        with Session(ranking.engine) as session:
            return ({row[2]: row[4] for row in repo.amiss_when_begun(session, start)},
                    repo.start_states_kept(session, start))

    assert begun() == ({"A#1": "red"}, False)
    ranking("refresh_standings")  # keeps the states today's and the last period began with
    assert begun() == ({"A#1": "red"}, True)
    with Session(ranking.engine) as session:
        assert repo.start_states_kept(session, dt.date(2026, 7, 1))
        # The item amiss when the period began brings its change within it.
        assert [(row[2], row[4]) for row in repo.changes_in(
            session, start, dt.date(2026, 11, 23), repo.amiss_when_begun(session, start))] == [
            ("A#1", "green")]

    # An evaluation as of a day before the start, stored now: the states kept go.
    with Session(ranking.engine) as session, session.begin():
        _changes(session, dt.date(2026, 9, 25), ("C#1", "red"))
    assert begun() == ({"A#1": "red", "C#1": "red"}, False)
    ranking("refresh_standings")
    assert begun() == ({"A#1": "red", "C#1": "red"}, True)
    # Stored past the states kept (a replica's race), it is still read.
    with Session(ranking.engine) as session, session.begin():
        session.execute(repo.colour_changes.insert().values(
            item_kind="target", item_key="D#1", unit="C1", colour="yellow",
            day=dt.date(2026, 9, 30), decided_at=dt.datetime(2026, 11, 23, 1)))
    assert begun() == ({"A#1": "red", "C#1": "red", "D#1": "yellow"}, True)
