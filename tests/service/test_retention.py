"""What a service keeps only for a while (services/common/retention.py), on both
databases: events sent more than a week ago, the record of those applied more
than 90 days ago and timers' runs claimed more than 400 days ago are forgotten, a
chunk at a time; an event not yet sent and anything younger are kept; a running
service forgets by itself, the tasks service its batches' answers too."""
import datetime as dt
import threading

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from services.common import retention
from services.common.clock import utcnow
from services.common.consuming import first_application
from services.common.leases import claim_timer_run, timer_run_claimed
from services.common.retention import APPLIED, SENT, TIMER_RUNS, Retention
from services.common.tables import applied_events, outbox, timer_runs


def applied(plumbing):
    with Session(plumbing) as session:
        return set(session.execute(select(applied_events.c.event_id, applied_events.c.consumer)))


def in_outbox(plumbing):
    with Session(plumbing) as session:
        return set(session.scalars(select(outbox.c.event_id)))


def test_old_events_are_forgotten_a_chunk_at_a_time_and_the_rest_kept(plumbing, monkeypatch):
    now = utcnow()
    with Session(plumbing) as session, session.begin():
        session.execute(applied_events.insert(), [
            {"event_id": f"e{number}", "consumer": consumer,
             "applied_at": now - APPLIED.age - dt.timedelta(days=number)}
            for number in range(1, 8) for consumer in ("on_a", "on_b")] + [
            {"event_id": "recent", "consumer": "on_a",
             "applied_at": now - APPLIED.age + dt.timedelta(hours=1)}])
        session.execute(outbox.insert(), [
            {"event_id": name, "event_type": "thing_happened", "payload": {},
             "created_at": now - dt.timedelta(days=30), "sent_at": sent_at}
            for name, sent_at in (("sent-long-ago", now - SENT.age - dt.timedelta(hours=1)),
                                  ("sent-lately", now - SENT.age + dt.timedelta(hours=1)),
                                  ("never-sent", None))])
    monkeypatch.setattr(retention, "FORGET_CHUNK", 3)
    deletes = []
    event.listen(plumbing, "before_cursor_execute", lambda *call: deletes.append(call[2])
                 if call[2].startswith("DELETE FROM applied_events") else None)

    assert Retention(plumbing).forget(now) == {"outbox": 1, "applied_events": 14,
                                               "timer_runs": 0}
    assert in_outbox(plumbing) == {"sent-lately", "never-sent"}
    assert applied(plumbing) == {("recent", "on_a")}
    # Seven events of two consumers, at most three events a statement (so three
    # statements at least), then one that finds none left; all at once is two.
    assert len(deletes) >= 4
    # Within its age a delivery again is still known, and skipped.
    with Session(plumbing) as session, session.begin():
        assert first_application(session, "recent", "on_a") is False
    assert Retention(plumbing).forget(now) == {"outbox": 0, "applied_events": 0,
                                               "timer_runs": 0}


def test_a_timers_run_is_kept_as_long_as_its_period_is_asked_after(plumbing, monkeypatch):
    now = utcnow()
    with Session(plumbing) as session, session.begin():
        session.execute(timer_runs.insert(), [
            {"job": "reminders", "period": f"2024-01-0{day}#16", "holder": "a",
             "started_at": now - TIMER_RUNS.age - dt.timedelta(days=day)}
            for day in range(1, 6)] + [
            # A year's ranking drafted early last year is still asked after, this year.
            {"job": "draft-ranking", "period": "2025", "holder": "b",
             "started_at": now - dt.timedelta(days=366)},
            {"job": "daily-evaluation", "period": "today", "holder": "c", "started_at": now}])
    monkeypatch.setattr(retention, "FORGET_CHUNK", 2)

    assert Retention(plumbing).forget(now)["timer_runs"] == 5
    with Session(plumbing) as session, session.begin():
        assert set(session.scalars(select(timer_runs.c.period))) == {"2025", "today"}
        # What is kept still makes another replica's claim fail.
        assert timer_run_claimed(session, "draft-ranking", "2025")
        assert not claim_timer_run(session, "daily-evaluation", "today", "d")


def test_a_service_looks_soon_after_it_starts_then_once_an_interval(plumbing, monkeypatch):
    monkeypatch.setattr(retention, "FIRST_LOOK", 0.01)
    keeper = Retention(plumbing, interval=0.02)
    looks, third = [], threading.Event()

    def look():
        looks.append(utcnow())
        if len(looks) == 3:
            third.set()
    monkeypatch.setattr(keeper, "forget", look)
    runner = threading.Thread(target=keeper.run)
    runner.start()
    assert third.wait(10), looks
    keeper.stop()
    runner.join(10)
    assert not runner.is_alive()
