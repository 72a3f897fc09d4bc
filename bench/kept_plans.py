"""A query run again and again on PostgreSQL, with plans kept for any values (the
server's default) and planned for each run's values (the services' engines,
services/common/sessions.py): the ranking's query for the units with targets due
in a period (services/ranking/repository.load_facts), over a city whose tasks are
all active, analysed as each service's StatisticsKeeper leaves its tables.

    python -m bench.kept_plans --db postgres [--scale 1.0]

The driver prepares a statement at its fifth run; from then on the server may keep
one plan for any values, made from guesses at them. The figures are printed, never
asserted: the machine is shared. SQLite plans every statement afresh: nothing to
measure there.
"""
import datetime as dt
import random
import time
from contextlib import ExitStack

from sqlalchemy import bindparam, select

from services.common.sessions import make_engine
from services.ranking.models import metadata, targets, tasks

NAME = "kept plans"
TASKS, TARGETS = 20_382, 135_000  # a city's
RUNS = 12
PERIOD = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def city(scale, seed=2023):
    draw = random.Random(seed)
    count = max(50, int(TASKS * scale))
    task_rows = [{"code": f"T{n:05d}", "unit": f"U{n % 143:03d}", "status": "active",
                  "start_date": dt.date(2026, 1, 1)} for n in range(count)]
    target_rows = [{"task": f"T{n % count:05d}", "seq": n // count, "unit": f"U{n % 143:03d}",
                    "due_date": dt.date(2026, draw.randint(1, 12), 28), "planned_percent": 50.0}
                   for n in range(max(300, int(TARGETS * scale)))]
    return task_rows, target_rows


def units_due():
    """The units with targets due in the period, of tasks not cancelled."""
    return (select(targets.c.unit).join(tasks, tasks.c.code == targets.c.task)
            .where(targets.c.due_date.between(bindparam("start"), bindparam("end")),
                   tasks.c.status != bindparam("status")).distinct())


def runs(engine, mode):
    """[milliseconds of each run] in one connection with plan_cache_mode `mode`,
    and how many runs the server planned for any values."""
    query, took = units_due(), []
    values = {"start": PERIOD[0], "end": PERIOD[1], "status": "cancelled"}
    with engine.connect() as connection:
        connection.exec_driver_sql(f"SET plan_cache_mode = {mode}")
        for _ in range(RUNS):
            started = time.perf_counter()
            connection.execute(query, values).all()
            took.append(round((time.perf_counter() - started) * 1000, 1))
        generic = connection.exec_driver_sql(
            "SELECT COALESCE(SUM(generic_plans), 0) FROM pg_prepared_statements").scalar()
    return took, int(generic)


def run(args):
    if args.db != "postgres":
        return {"name": NAME, "db": args.db, "scale": args.scale,
                "note": "PostgreSQL only: SQLite plans every statement afresh"}
    task_rows, target_rows = city(args.scale)
    with ExitStack() as stack:
        from .platform import postgres_databases
        url = stack.enter_context(postgres_databases(["plans"]))["plans"]
        engine = make_engine(url)
        stack.callback(engine.dispose)
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(tasks.insert(), task_rows)
            connection.execute(targets.insert(), target_rows)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        kept, kept_generic = runs(engine, "auto")
        planned, planned_generic = runs(engine, "force_custom_plan")
    return {"name": NAME, "db": args.db, "scale": args.scale, "tasks": len(task_rows),
            "targets": len(target_rows), "runs": RUNS,
            "kept_ms": kept, "kept_generic_plans": kept_generic,
            "planned_ms": planned, "planned_generic_plans": planned_generic,
            "worst_kept_ms": max(kept), "worst_planned_ms": max(planned)}


def main():
    from .options import parser
    from .report import print_component
    print_component(run(parser(__doc__.splitlines()[0]).parse_args()))


if __name__ == "__main__":
    main()
