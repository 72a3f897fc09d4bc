"""Component bench of the warnings service's own logic and database, at Yichun's
scale: a full re-evaluation as of a new day (goal <= 3 s) and batches of 1,000
progress reports evaluated as `on_progress_reported` does (goal <= 100 ms); the
forecasts of every task they judge (docs/forecast.md) follow each, and are timed
against the same goals: the city's after the re-evaluation, a batch's after the
batch. Each reported task has four monthly reporting days behind it.

    python -m bench.warnings_evaluation [--scale 1] [--db sqlite|postgres]

The service's entrypoints run in this process (nameko's `worker_factory`) on a
real database migrated by its own migrations, whose log a thread of its own
checkpoints as in the service (services/common/wal.py), and keep the targets they
read as a container does (KnownTargets): the city's tasks and
targets are stored as the service keeps them, with their progress before the
month; then
`evaluate(as_of=today)` colours everything (the first evaluation, its forecasts
following), and `evaluate(as_of=tomorrow)` is timed, then the forecasts that
follow it; then the month's first updates, 1,000 a batch, go through
`on_progress_reported` on that day, tomorrow, as reports do after the day's
evaluation (each batch timed).

Those batches are a backlog: a month's reports judged a month late, when the plan
expects a month more of them, so nine tasks in ten of each batch are red. The
forecasts of an evaluation's tasks follow it (docs/forecast.md): each
tasks_judged it queued in the outbox is read back and handed to
`on_tasks_judged` as the service's own consumer does, and timed apart. The
city's own batches arrive through the month: on a second database, everything
is judged as of the month's first day, then every batch of the month goes
through on the day its reports were made, after that day's evaluation, as the
daily timer and the county systems do it (each batch timed).
"""
import datetime as dt
import gc
import statistics
import time
import uuid
from zoneinfo import ZoneInfo

from nameko.testing.services import worker_factory
from sqlalchemy import func, insert, select

from services.common.clock import LocalClock
from services.common.sessions import Store, make_engine
from services.common.tables import outbox
from services.common.wal import checkpointing
from services.launch.migrate import upgrade
from services.warnings.events import TASKS_JUDGED
from services.warnings.models import forecasts, progress_points, watched_targets, watched_tasks
from services.warnings.service import Service

from .city import build_city
from .options import goal, parser, service_database, today
from .platform import new_run_dir, remove

NAME = "warnings"
BATCHES = 10
HISTORY = 4  # reporting days of each reported task before the month


def store_city(engine, city):
    opening_day = city.today - dt.timedelta(days=31)
    with engine.begin() as connection:
        connection.execute(insert(watched_tasks), [{
            "code": task.code, "lead_unit": task.lead_unit, "status": "active",
            "start_date": task.start_date, "due_date": task.due_date, "percent": task.opening,
            "clock_class": None, "last_reported_on": opening_day if task.opening else None,
            "last_progress_on": opening_day if task.opening else None,
            "last_reported_at": None, "reports_applied": 0} for task in city.tasks])
        connection.execute(insert(watched_targets), [{
            "task_code": task.code, "seq": seq, "due_date": target["due_date"],
            "planned_percent": target["planned_percent"], "unit": target["unit"]}
            for task in city.tasks for seq, target in enumerate(task.targets, start=1)])
        # Each reported task's reporting history: four monthly reporting days rising
        # to its opening percent, so every evaluation forecasts it (docs/forecast.md)
        # as a city that has reported for months would.
        connection.execute(insert(progress_points), [{
            "task_code": task.code, "day": opening_day - dt.timedelta(days=30 * back),
            "percent": round(task.opening * (HISTORY - back) / HISTORY, 1)}
            for task in city.tasks if task.opening for back in range(HISTORY)])


def analysed(engine):
    """ANALYZE on PostgreSQL, as its autovacuum does within a minute of loading
    this many rows: the planner then knows the tables' sizes, as in a service
    that has run for a day. Nothing to do on SQLite, whose planner reads none."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


class DayClock(LocalClock):
    """The city's clock, stopped on the day a batch's reports were made."""

    day = None

    def today(self):
        return self.day


def month_as_it_arrives(url, city, zone):
    """Seconds of every batch of the month, each judged on the day it was made."""
    engine = make_engine(url, background_checkpoints=True)
    try:
        store_city(engine, city)
        clock = DayClock(zone)
        worker = worker_factory(Service, db=Store(engine), clock=clock, known_targets={})
        seconds, following, seen = [], [], 0
        with checkpointing(url):
            for batch in (city.updates[n:n + 1000]
                          for n in range(0, len(city.updates), 1000)):
                day = dt.datetime.fromisoformat(batch[-1]["reported_at"]).astimezone(zone).date()
                if day != clock.day:
                    first = clock.day is None
                    clock.day = day
                    worker.evaluate(as_of=day.isoformat())  # the day's timer
                    _, seen = forecasts_following(engine, worker, seen)  # and what follows it
                    if first:
                        analysed(engine)
                payload = progress_event(batch)
                started = time.perf_counter()
                worker.on_progress_reported(payload)
                seconds.append(time.perf_counter() - started)
                spent, seen = forecasts_following(engine, worker, seen)
                following.append(spent)
        return seconds, following
    finally:
        engine.dispose()


def forecasts_following(engine, worker, seen):
    """(seconds, last outbox id): the forecasts that follow the batches since
    outbox id `seen`, each tasks_judged handed to `on_tasks_judged` in order."""
    with engine.connect() as connection:
        rows = connection.execute(select(outbox.c.id, outbox.c.event_type, outbox.c.payload)
                                  .where(outbox.c.id > seen).order_by(outbox.c.id)).all()
    started = time.perf_counter()
    for _, event_type, payload in rows:
        if event_type == TASKS_JUDGED:
            worker.on_tasks_judged(payload)
    return time.perf_counter() - started, max((row.id for row in rows), default=seen)


def progress_event(batch):
    return {"event_id": uuid.uuid4().hex, "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "batch_id": uuid.uuid4().hex, "source": "bench",
            "reports": [{"id": i, "task": u["task"], "unit": u["unit"], "percent": u["percent"],
                         "correction": False, "reported_at": u["reported_at"],
                         "received_at": u["received_at"]}
                        for i, u in enumerate(batch)]}


def run(args):
    city = build_city(args.scale, args.seed, today())
    # Out of the cycle collector's sight, as a service's runner does with what is
    # alive when it starts (services/launch/runner.py), and with it the bench's own
    # city (some 300,000 dicts and lists), which a service's process does not hold.
    gc.freeze()
    folder = new_run_dir(args.out) / "warnings"
    try:
        with service_database(args, "warnings", folder) as url:
            upgrade("warnings", {"LUOSHI_WARNINGS_DB_URL": url})
            engine = make_engine(url, background_checkpoints=True)
            try:
                started = time.perf_counter()
                store_city(engine, city)
                stored_s = time.perf_counter() - started
                zone = ZoneInfo("Asia/Shanghai")
                clock = DayClock(zone)
                clock.day = city.today
                worker = worker_factory(Service, db=Store(engine), clock=clock,
                                        known_targets={})
                with checkpointing(url):
                    started = time.perf_counter()
                    first = worker.evaluate(as_of=city.today.isoformat())
                    first_s = time.perf_counter() - started
                    first_forecasts_s, seen = forecasts_following(engine, worker, 0)
                    analysed(engine)
                    clock.day = city.today + dt.timedelta(days=1)
                    started = time.perf_counter()
                    again = worker.evaluate(as_of=clock.day.isoformat())
                    full_s = time.perf_counter() - started
                    city_forecasts_s, seen = forecasts_following(engine, worker, seen)
                    with engine.connect() as connection:
                        forecast_count = connection.execute(
                            select(func.count()).select_from(forecasts)).scalar()
                    batch_s, follow_s = [], []
                    for number in range(min(BATCHES, len(city.updates) // 1000 or 1)):
                        payload = progress_event(
                            city.updates[number * 1000:(number + 1) * 1000])
                        started = time.perf_counter()
                        worker.on_progress_reported(payload)
                        batch_s.append(time.perf_counter() - started)
                        spent, seen = forecasts_following(engine, worker, seen)
                        follow_s.append(spent)
            finally:
                engine.dispose()
        del worker  # and its KnownTargets: a service's process holds one city's
        with service_database(args, "warnings", folder / "month") as url:
            upgrade("warnings", {"LUOSHI_WARNINGS_DB_URL": url})
            month_s, month_follow_s = month_as_it_arrives(url, city, zone)
    finally:
        if not args.keep:
            remove(folder.parent)
    median_ms = round(statistics.median(batch_s) * 1000, 1)
    month_ms = sorted(round(seconds * 1000, 1) for seconds in month_s)
    month_median = round(statistics.median(month_ms), 1)
    follow_ms = round(statistics.median(follow_s) * 1000, 1)
    month_follow_ms = sorted(round(seconds * 1000, 1) for seconds in month_follow_s)
    return {
        "name": NAME, "db": args.db, "scale": args.scale,
        "tasks": len(city.tasks), "targets": city.target_count,
        "store_s": round(stored_s, 2),
        "first_evaluation": {**first, "seconds": round(first_s, 3),
                             "forecasts_following_s": round(first_forecasts_s, 3)},
        "full_reevaluation": {**again, "seconds": round(full_s, 3)},
        # Off the evaluation's transaction: the city's forecasts, a chunk at a time.
        "forecasts_following_the_reevaluation": {"seconds": round(city_forecasts_s, 3),
                                                 "forecasts": forecast_count},
        "batches_of_1000": {"count": len(batch_s), "median_ms": median_ms,
                            "max_ms": round(max(batch_s) * 1000, 1)},
        "month_as_it_arrives": {"count": len(month_ms), "median_ms": month_median,
                                "p90_ms": month_ms[int(len(month_ms) * 0.9)],
                                "max_ms": month_ms[-1]},
        # Off the report path: what follows each batch, not what holds it up.
        "forecasts_following_a_batch": {
            "median_ms": follow_ms, "max_ms": round(max(follow_s) * 1000, 1),
            "month_median_ms": round(statistics.median(month_follow_ms), 1),
            "month_max_ms": month_follow_ms[-1]},
        "goals": [goal("full re-evaluation as of a new day", round(full_s, 3), "s", 3.0),
                  goal("every task's forecast, following it", round(city_forecasts_s, 3),
                       "s", 3.0),
                  goal("a batch of 1,000 reports evaluated (median)", median_ms, "ms", 100.0),
                  goal("its tasks' forecasts, following it (median)", follow_ms, "ms", 100.0),
                  goal("a month's batches, each on its day (median)", month_median, "ms", 100.0)],
    }


def main():
    from .report import print_component
    print_component(run(parser(__doc__.splitlines()[0]).parse_args()))


if __name__ == "__main__":
    main()
