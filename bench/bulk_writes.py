"""A city's targets written in one go, two ways: through SQLAlchemy's executemany
with RETURNING (insert_ignoring_conflicts, which counts what it inserted) and
through the driver's own executemany, or one statement over arrays on PostgreSQL
(insert_many with skip_existing), as the ranking keeps an import's tasks.

    python -m bench.bulk_writes [--db sqlite|postgres] [--scale 1.0]

The figures are printed, never asserted: the machine is shared.
"""
import datetime as dt
import tempfile
import time
from contextlib import ExitStack

from sqlalchemy.orm import Session

from services.common.bulk import insert_ignoring_conflicts, insert_many
from services.common.sessions import make_engine
from services.ranking.models import metadata, targets

NAME = "bulk writes"
SLICE = 7_000  # the targets of an import slice of 1,000 tasks


def rows(scale):
    count = max(1, int(135_000 * scale))
    return [{"task": f"T{n // 7:05d}", "seq": n % 7, "unit": f"U{n % 143:03d}",
             "due_date": dt.date(2026, 1 + n % 7, 28), "planned_percent": 100.0 * (n % 7) / 6}
            for n in range(count)]


def timed(url, write, all_rows):
    """Seconds to write `all_rows` in slices, each slice its own transaction."""
    engine = make_engine(url)
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        started = time.perf_counter()
        for at in range(0, len(all_rows), SLICE):
            with Session(engine) as session, session.begin():
                write(session, all_rows[at:at + SLICE])
        seconds = time.perf_counter() - started
        with engine.connect() as connection:
            stored = connection.execute(targets.select()).all()
        assert len(stored) == len(all_rows)
        metadata.drop_all(engine)
        return seconds
    finally:
        engine.dispose()


def run(args):
    all_rows = rows(args.scale)
    with ExitStack() as stack:
        if args.db == "postgres":
            from .platform import postgres_databases
            url = stack.enter_context(postgres_databases(["bulk"]))["bulk"]
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bulk.db"
        counted = timed(url, lambda s, r: insert_ignoring_conflicts(s, targets, r), all_rows)
        driver = timed(url, lambda s, r: insert_many(s, targets, r, skip_existing=True),
                       all_rows)
    return {"name": NAME, "db": args.db, "scale": args.scale, "rows": len(all_rows),
            "counted_s": round(counted, 3), "driver_s": round(driver, 3),
            "counted_rows_per_s": round(len(all_rows) / counted),
            "driver_rows_per_s": round(len(all_rows) / driver),
            "speedup": round(counted / driver, 2)}


def main():
    from .options import parser
    from .report import print_component
    print_component(run(parser(__doc__.splitlines()[0]).parse_args()))


if __name__ == "__main__":
    main()
