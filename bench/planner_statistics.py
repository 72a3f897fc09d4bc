"""The ranking's scoring read on PostgreSQL, planned before and after its table is
analysed: the period's colour changes of the items ever yellow or red (the query
of services/ranking/repository.load_facts), over a city's first colours just
imported, as each service's StatisticsKeeper finds them (services/common/statistics.py).

    python -m bench.planner_statistics --db postgres [--scale 1.0]

The figures are printed, never asserted: the machine is shared. On SQLite, whose
planner keeps no such statistics, there is nothing to measure.
"""
import datetime as dt
import random
import time
from contextlib import ExitStack

from sqlalchemy import select, tuple_

from services.common.sessions import make_engine
from services.common.statistics import StatisticsKeeper, statistics_lock
from services.ranking.models import colour_changes, metadata

NAME = "planner statistics"
ITEMS = 155_000  # a city's tasks and targets, each with its first colour
AMISS = 0.12  # yellow or red, about the bench city's share
DAY = dt.date(2026, 12, 7)
PERIOD_START = dt.date(2026, 10, 1)


def changes(scale, seed=2022):
    draw = random.Random(seed)
    return [{"item_kind": "task" if n % 7 == 0 else "target", "item_key": f"K{n:06d}",
             "unit": f"U{n % 143:03d}",
             "colour": "red" if draw.random() < AMISS else "green",
             "day": DAY, "decided_at": dt.datetime(2026, 12, 7, 1)}
            for n in range(max(100, int(ITEMS * scale)))]


def scoring_read():
    """The period's changes of the items ever amiss, as load_facts reads them."""
    c = colour_changes.c
    ever_amiss = select(c.item_kind, c.item_key).where(c.colour != "green", c.day <= DAY)
    return (select(c.unit, c.item_kind, c.item_key, c.day, c.colour, c.decided_at)
            .where(c.day.between(PERIOD_START, DAY),
                   tuple_(c.item_kind, c.item_key).in_(ever_amiss)))


def best_of(engine, times=5):
    """(least seconds, rows, the plan's first line) of the scoring read."""
    query, best = scoring_read(), None
    for _ in range(times):
        with engine.connect() as connection:
            started = time.perf_counter()
            found = len(connection.execute(query).all())
            took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    text = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN {text}").scalars().first()
    return best, found, plan.split("  (")[0].strip()


def run(args):
    if args.db != "postgres":
        return {"name": NAME, "db": args.db, "scale": args.scale,
                "note": "PostgreSQL only: SQLite's planner keeps no statistics"}
    rows = changes(args.scale)
    with ExitStack() as stack:
        from .platform import postgres_databases
        url = stack.enter_context(postgres_databases(["planner"]))["planner"]
        engine = make_engine(url)
        stack.callback(engine.dispose)
        metadata.create_all(engine)
        keeper = StatisticsKeeper(url, statistics_lock("bench"))
        stack.callback(keeper.stop)
        keeper.refresh()  # the empty tables, as a service first finds them
        with engine.begin() as connection:
            connection.execute(colour_changes.insert(), rows)
        before, found, plan_before = best_of(engine)
        # The server counts the import's rows a moment after it commits.
        deadline = time.monotonic() + 30
        analysed = []
        while colour_changes.name not in analysed and time.monotonic() < deadline:
            analysed = keeper.refresh()
            if colour_changes.name not in analysed:
                time.sleep(0.2)
        after, _, plan_after = best_of(engine)
    return {"name": NAME, "db": args.db, "scale": args.scale, "changes": len(rows),
            "rows_read": found, "unanalysed_ms": round(before * 1000, 1),
            "analysed_ms": round(after * 1000, 1), "analysed_tables": analysed,
            "plan_unanalysed": plan_before, "plan_analysed": plan_after,
            "speedup": round(before / after, 1)}


def main():
    from .options import parser
    from .report import print_component
    print_component(run(parser(__doc__.splitlines()[0]).parse_args()))


if __name__ == "__main__":
    main()
