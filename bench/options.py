"""The command line every bench entry point shares (python -m bench, and each
component module run alone), and the shape of a goal."""
import argparse
import datetime as dt
import os
from contextlib import contextmanager
from pathlib import Path


def parser(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of Yichun's tasks, targets and updates (1: 20,382 tasks)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                        help="the services' databases (postgres: LUOSHI_TEST_PG_URL's server)")
    parser.add_argument("--seed", type=int, default=2022, help="the city generator's seed")
    parser.add_argument("--out", default="var/bench", help="where results are written")
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's data folder (SQLite files, logs)")
    return parser


def goal(name, value, unit, target, better="lower"):
    """A figure beside its goal: `better` lower means value <= target is met."""
    if value is None or target is None:
        met = None
    else:
        met = value <= target if better == "lower" else value >= target
    return {"name": name, "value": value, "unit": unit, "goal": target, "better": better,
            "met": met}


def today():
    """The bench's today: the city's calendar day (LUOSHI_TIMEZONE)."""
    from zoneinfo import ZoneInfo
    return dt.datetime.now(ZoneInfo(os.environ.get("LUOSHI_TIMEZONE") or "Asia/Shanghai")).date()


@contextmanager
def service_database(args, service, folder):
    """A fresh database for one service: a SQLite file in `folder`, or a
    PostgreSQL database bench_<service>_<hex> dropped afterwards."""
    if args.db == "postgres":
        from .platform import postgres_databases
        with postgres_databases([service]) as urls:
            yield urls[service]
    else:
        Path(folder).mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{Path(folder).resolve() / (service + '.db')}"
