"""Recomputing a quarter's ranking at the scale of one city: 150 units, 20,382 tasks,
135,000 targets with their reports, every target's first colour and the warning
histories of three quarters (3,359 red and 174 yellow items), scored by the
ranking service's own code on its own database. With `--years N`, after N - 1
earlier years of the same history (an office some years in), the states the
quarter began with kept first, as the service keeps them at its first scoring of
the quarter (timed apart, once).

    python -m bench.ranking_recompute [--db sqlite|postgres] [--scale 1.0] [--repeat 5]
                                      [--years 1]

Goal: at most 1 second per recomputation of a quarter for 150 units. The figure is
printed, never asserted: the machine is shared.
"""
import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.common.config import from_environment
from services.launch.migrate import upgrade
from services.ranking import logic
from services.ranking import repository as repo
from services.ranking.models import (
    colour_changes,
    commitments,
    evaluations,
    notices,
    targets,
    task_cooperators,
    tasks,
    units,
)
from services.ranking.service import score_period

GOAL_SECONDS = 1.0
SEED = 20221
QUARTER = logic.parse_period("2026-Q4")
YEAR_START = dt.date(2026, 1, 1)


def city(scale=1.0, seed=SEED, years=1):
    """The rows of a city, deterministic for a seed: {table: [rows]}."""
    rng = random.Random(seed)
    counties = [f"C{n:02d}" for n in range(10)]
    departments = [f"D{n:03d}" for n in range(133)]  # 21 lead units + 112 responsible ones
    unit_rows = ([{"code": c, "name": f"县{c}", "kind": "county"} for c in counties]
                 + [{"code": d, "name": f"部门{d}", "kind": "department"} for d in departments]
                 + [{"code": f"O{n}", "name": f"办公室{n}", "kind": "office"} for n in range(7)])
    owners = counties + departments
    leads = counties + departments[:21]
    n_tasks = int(20_382 * scale)
    n_targets = int(135_000 * scale)
    task_rows, cooperator_rows, target_rows = [], [], []
    per_task = [n_targets // n_tasks + (1 if i < n_targets % n_tasks else 0)
                for i in range(n_tasks)]
    for i, count in enumerate(per_task):
        code, lead = f"T{i:05d}", rng.choice(leads)
        start = YEAR_START + dt.timedelta(days=rng.randrange(0, 120))
        clock = rng.choice((None,) * 9 + ("important", "general", "complex"))
        task_rows.append({"code": code, "unit": lead, "clock_class": clock, "status": "active",
                          "start_date": start,
                          "closed_on": (start + dt.timedelta(days=rng.randrange(3, 40))
                                        if clock and rng.random() < 0.8 else None)})
        for unit in rng.sample(owners, 2):
            cooperator_rows.append({"task": code, "unit": unit})
        owner = rng.choice((lead, *rng.sample(owners, 1)))
        for seq in range(1, count + 1):
            due = logic.month_end(2026, min(12, seq + (12 - count)))
            late = rng.random()
            reached = (due - dt.timedelta(days=rng.randrange(0, 20)) if late < 0.8
                       else due + dt.timedelta(days=rng.randrange(1, 40)) if late < 0.95 else None)
            reported = due - dt.timedelta(days=rng.randrange(0, 10)) if rng.random() < 0.9 else (
                due + dt.timedelta(days=rng.randrange(8, 30)))
            target_rows.append({"task": code, "seq": seq, "unit": owner, "due_date": due,
                                "planned_percent": round(100 * seq / count, 1),
                                "reached_on": reached, "reported_on": reported})
    moment = dt.datetime(2026, 1, 1)
    # Every item's first colour, green the day its task was given, as the
    # warnings service first judges an import.
    start_of = {row["code"]: row["start_date"] for row in task_rows}
    change_rows = [{"item_kind": "target", "item_key": f"{target['task']}:{target['seq']}",
                    "unit": target["unit"], "colour": "green",
                    "day": start_of[target["task"]], "decided_at": moment}
                   for target in target_rows]
    for colour, count in (("red", int(3_359 * scale)), ("yellow", int(174 * scale))):
        for target in rng.sample(target_rows, count):
            start = YEAR_START + dt.timedelta(days=rng.randrange(30, 330))
            key = f"{target['task']}:{target['seq']}"
            change_rows.append({"item_kind": "target", "item_key": key, "unit": target["unit"],
                                "colour": colour, "day": start, "decided_at": moment})
            if rng.random() < 0.6:
                change_rows.append({
                    "item_kind": "target", "item_key": key, "unit": target["unit"],
                    "colour": "green", "day": start + dt.timedelta(days=rng.randrange(5, 60)),
                    "decided_at": moment})
    commitment_rows = [{"id": n, "unit": rng.choice(owners),
                        "promised_date": YEAR_START + dt.timedelta(days=rng.randrange(0, 365)),
                        "fulfilled_on": None if rng.random() < 0.2 else
                        YEAR_START + dt.timedelta(days=rng.randrange(0, 365))}
                       for n in range(1, int(2_000 * scale) + 1)]
    notice_rows = []
    for n in range(1, 29):
        issued = YEAR_START + dt.timedelta(days=rng.randrange(0, 360))
        notice_rows.append({"id": n, "unit": rng.choice(owners), "issued_on": issued,
                            "ack_due": issued + dt.timedelta(days=2),
                            "answer_due": issued + dt.timedelta(days=5),
                            "acknowledged_on": issued + dt.timedelta(days=rng.randrange(0, 4)),
                            "answered_on": (issued + dt.timedelta(days=rng.randrange(2, 8))
                                            if rng.random() < 0.9 else None),
                            "closed_on": None})
    evaluation_rows = [{"period": QUARTER.key, "lead_unit": row["unit"], "unit": c["unit"],
                        "score": rng.randrange(60, 101), "comment": "配合情况",
                        "evaluated_by": "bench", "evaluated_at": moment}
                       for row, c in zip(task_rows[:300], cooperator_rows[:600:2], strict=True)
                       if row["unit"] != c["unit"]]
    unique = {(r["period"], r["lead_unit"], r["unit"]): r for r in evaluation_rows}
    # The earlier years: the same changes of other items, a year apart each.
    change_rows += [{**row, "item_key": f"{row['item_key']}~{back}",
                     "day": row["day"] - dt.timedelta(days=365 * back),
                     "decided_at": row["decided_at"] - dt.timedelta(days=365 * back)}
                    for back in range(1, years) for row in change_rows]
    return {units: unit_rows, tasks: task_rows, task_cooperators: cooperator_rows,
            targets: target_rows, colour_changes: change_rows, commitments: commitment_rows,
            notices: notice_rows, evaluations: list(unique.values())}


def prepare(url, scale, years=1):
    """Migrate a ranking database at `url` and fill it with a city; answers the
    row counts."""
    config = from_environment({"LUOSHI_RANKING_DB_URL": url,
                               "LUOSHI_DATA_DIR": tempfile.mkdtemp(prefix="luoshi-bench-")})
    upgrade("ranking", config)
    engine = create_engine(url)
    rows = city(scale, years=years)
    with Session(engine) as session, session.begin():
        for table, batch in rows.items():
            for start in range(0, len(batch), 10_000):
                session.execute(table.insert(), batch[start:start + 10_000])
    engine.dispose()
    return {table.name: len(batch) for table, batch in rows.items()}


def keep_start_states(url):
    """Seconds to keep the states the quarter and the one before began with, as
    the service does once, at its first scoring of the quarter."""
    engine = create_engine(url)
    started = time.perf_counter()
    for start in (QUARTER.previous().start, QUARTER.start):
        with Session(engine) as session:
            through, rows = repo.states_at_start(session, start)
        with Session(engine) as session, session.begin():
            repo.keep_start_states(session, start, through, rows)
    engine.dispose()
    return time.perf_counter() - started


def measure(url, repeat):
    """Seconds per recomputation of the quarter (as of its end, previous quarter
    scored too, as when it is not frozen), over `repeat` runs."""
    engine = create_engine(url)
    rules = logic.ScoreRules()
    timings, result = [], None
    for _ in range(repeat):
        with Session(engine) as session:
            started = time.perf_counter()
            result = score_period(session, QUARTER, QUARTER.end, rules)
            timings.append(time.perf_counter() - started)
    engine.dispose()
    ranked = sum(1 for group in result.values() for e in group["entries"] if e["rank"])
    return timings, ranked


def run(args):
    """Prepare, measure and answer the figures (the `make bench` interface)."""
    scale = getattr(args, "scale", 1.0)
    repeat = getattr(args, "repeat", 5)
    years = getattr(args, "years", 1)
    db = getattr(args, "db", "sqlite")
    if db == "postgres":
        name = f"bench_ranking_{uuid.uuid4().hex[:8]}"
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    else:
        admin, name = None, None
        url = f"sqlite:///{tempfile.mkdtemp(prefix='luoshi-bench-')}/ranking.sqlite3"
    try:
        counts = prepare(url, scale, years)
        kept = keep_start_states(url)
        timings, ranked = measure(url, repeat)
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return {"name": "ranking_recompute", "db": db, "scale": scale, "years": years,
            "rows": counts, "keep_start_states_seconds": round(kept, 3),
            "units_ranked": ranked, "seconds": [round(t, 3) for t in timings],
            "median_seconds": round(statistics.median(timings), 3),
            "goal_seconds": GOAL_SECONDS,
            "met": statistics.median(timings) <= GOAL_SECONDS}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--years", type=int, default=1,
                        help="years of colour history up to the quarter (default 1)")
    figures = run(parser.parse_args(argv))
    print(f"ranking: recompute a quarter for {figures['units_ranked']} units from "
          f"{figures['rows']['targets']:,} targets and {figures['rows']['colour_changes']:,} "
          f"colour changes of {figures['years']} year(s) ({figures['db']}; the states the "
          f"quarter began with kept once in {figures['keep_start_states_seconds']} s): "
          f"median {figures['median_seconds']} s over "
          f"{len(figures['seconds'])} runs {figures['seconds']} (goal ≤ {GOAL_SECONDS} s: "
          f"{'met' if figures['met'] else 'MISSED'})")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
