"""复核 in the ranking service, fed real events: a step the office sent back
counts against its unit as the score rules say, in words in its breakdown; a
commitment the office confirmed late counts kept on the day the unit said."""
from services.common.events import new_event
from tests.service.test_ranking_service import (  # noqa: F401
    ADMIN,
    a_city,
    entries,
    indicator,
    progress,
    ranking,
)


def returned(verification_id, unit, kind="closure", day="2026-11-10"):
    return new_event(verification={
        "id": verification_id, "kind": kind, "task": "T1", "title": "T1", "unit": unit,
        "subject": None, "claim": {}, "requested_at": "2026-11-09T02:00:00",
        "requested_by": "op"}, reason="佐证不足", returned_by="office",
        returned_at=f"{day}T02:00:00", effective_on=day)


def county(ranking):  # noqa: F811
    return entries(ranking("get_ranking", period="2026-Q4", group="county", caller=ADMIN))


def test_a_step_sent_back_is_deducted_by_the_rules(ranking):  # noqa: F811
    a_city(ranking)
    ranking.deliver("tasks", "progress_reported", progress(
        ("T1", 60, "2026-10-20T02:00:00Z"), ("T2", 60, "2026-10-20T02:00:00Z")))
    before = county(ranking)
    assert before["C1"]["score"] == before["C2"]["score"]
    assert before["C1"]["breakdown"]["deductions"] == []

    ranking.deliver("tasks", "verification_returned", returned(1, "C1"))
    # The same event again (redelivered) counts once.
    ranking.deliver("tasks", "verification_returned", returned(1, "C1"))
    ranking.deliver("tasks", "verification_returned", returned(2, "C1", "commitment"))
    after = county(ranking)
    (deduction,) = after["C1"]["breakdown"]["deductions"]
    assert deduction["points"] == 4.0
    assert "销号1次、承诺兑现1次" in deduction["detail"]
    assert after["C1"]["score"] == round(before["C1"]["score"] - 4.0, 2)
    assert after["C2"]["score"] == before["C2"]["score"]
    assert [e["unit"] for e in ranking("get_ranking", period="2026-Q4", group="county",
                                       caller=ADMIN)["entries"]] == ["C2", "C1"]

    ranking("update_score_rules", {"return_deduction": 5}, ADMIN, note="从严")
    assert county(ranking)["C1"]["score"] == round(before["C1"]["score"] - 10.0, 2)


def test_a_commitment_confirmed_late_is_kept_on_the_units_day(ranking):  # noqa: F811
    a_city(ranking)
    commitment = {"id": 9, "task": "T1", "unit": "C1", "step": "审批", "result": "批复",
                  "promised_date": "2026-11-10", "status": "open"}
    ranking.deliver("tasks", "commitment_made", new_event(commitment=commitment))
    # The unit said it kept it on 9 November; the office confirmed on the 20th.
    event = new_event(commitment={**commitment, "status": "fulfilled",
                                  "fulfilled_at": "2026-11-09T02:00:00"})
    event["occurred_at"] = "2026-11-20T02:00:00+00:00"
    ranking.deliver("tasks", "commitment_fulfilled", event)
    c1 = county(ranking)["C1"]
    assert indicator(c1, "commitments")["score"] == 100.0
