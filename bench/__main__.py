"""`make bench` / `python -m bench`: the platform at Yichun's scale, measured
phase by phase beside the machine's ceilings, then the component benchmarks.
Writes var/bench/bench-<scale>-<db>.json and .png (and latest.json/.png)."""
import datetime as dt
import os
import signal
import subprocess
import sys
import time

from services.common.consuming import QUORUM

from . import ceilings, components, phases
from .city import build_city
from .options import goal, parser, today
from .peers import SmsPeer, SmtpPeer, peer_environment
from .platform import Platform, new_run_dir, postgres_databases, private_vhost, remove
from .report import plot, print_summary, write_json

PARTS = ("platform", "ceilings", "components")


def arguments(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=4, help="concurrent county systems")
    p.add_argument("--readers", type=int, default=50, help="concurrent dashboard readers")
    p.add_argument("--seconds", type=float, default=10.0,
                   help="how long the dashboard and the trivial endpoint are read")
    p.add_argument("--samples", type=int, default=200, help="single updates timed")
    p.add_argument("--only", default=",".join(PARTS),
                   help=f"comma-separated parts to run: {', '.join(PARTS)}")
    p.add_argument("--components", default="",
                   help="comma-separated component modules (default: all found)")
    p.add_argument("--profile", action="store_true",
                   help="py-spy record each process during the load and the ingest "
                        "(speedscope files)")
    return p.parse_args(argv)


def start_profiles(platform, folder):
    profiles = []
    for name, process in platform.processes.items():
        output = folder / f"profile-{name}.speedscope.json"
        profiles.append(subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "py-spy"), "record", "--pid",
             str(process.pid), "--rate", "50", "--format", "speedscope", "--output",
             str(output), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return profiles


def stop_profiles(profiles):
    for profile in profiles:
        profile.send_signal(signal.SIGINT)
    for profile in profiles:
        try:
            profile.wait(60)
        except subprocess.TimeoutExpired:
            profile.kill()


def run_platform(args, city, run_dir, results):
    measured = results["phases"]
    db_names = ("tasks", "warnings", "ranking", "notify", "gateway")
    sms, smtp = SmsPeer(), SmtpPeer()
    try:
        with private_vhost() as amqp_uri:
            if args.db == "postgres":
                databases = postgres_databases(db_names)
            else:
                from contextlib import nullcontext
                databases = nullcontext({})
            with databases as db_urls:
                platform = Platform(amqp_uri, run_dir / "platform", db_urls,
                                    peer_environment(sms, smtp))
                try:
                    print("starting the platform ...", flush=True)
                    platform.start()
                    # The profiles cover the library's load and the ingest.
                    profiles = start_profiles(platform, run_dir) if args.profile else []
                    try:
                        print("loading the city through the API ...", flush=True)
                        measured["load"] = phases.load_city(platform, city, args.clients)
                        print(f"  {measured['load']}", flush=True)
                        print("1. ingest ...", flush=True)
                        measured["ingest"] = phases.ingest(platform, city, args.clients)
                    finally:
                        stop_profiles(profiles)
                    print(f"  {measured['ingest']}", flush=True)
                    phases.wait_idle(platform)
                    print("2. re-evaluation ...", flush=True)
                    measured["reevaluation"] = phases.reevaluation(
                        platform, city.today + dt.timedelta(days=1))
                    print(f"  {measured['reevaluation']}", flush=True)
                    print("3. dashboard ...", flush=True)
                    measured["dashboard"] = phases.dashboard(platform, args.readers,
                                                             args.seconds)
                    print(f"  {measured['dashboard']}", flush=True)
                    print("4. one update's latency ...", flush=True)
                    measured["update_latency"] = phases.update_latency(platform, city,
                                                                       args.samples)
                    print(f"  {measured['update_latency']}", flush=True)
                    print("5. the library again, as JSON chunks ...", flush=True)
                    measured["library_json"] = phases.library_by_json(platform, city,
                                                                      args.clients)
                    print(f"  {measured['library_json']}", flush=True)
                    measured["memory"] = phases.memory(platform)
                    measured["notifications_delivered"] = {
                        "sms": sms.received, "email": smtp.received}
                finally:
                    platform.stop()
                if "ceilings" in args.parts:
                    # Same broker vhost, same database (the stopped platform's tasks
                    # database, a scratch table), same web server settings.
                    tasks_url = db_urls.get("tasks") or \
                        f"sqlite:///{(run_dir / 'platform' / 'tasks.db').resolve()}"
                    run_ceilings(args, city, amqp_uri, tasks_url, run_dir, results)
    finally:
        sms.close()
        smtp.close()


def run_ceilings(args, city, amqp_uri, db_url, run_dir, results):
    print("ceilings ...", flush=True)
    found = results["ceilings"]
    # `broker` on the queues' type the platform uses, the one its ratios compare with.
    for key, queue_type in (("broker", "quorum"), ("broker_classic", "classic")):
        found[key] = ceilings.broker(amqp_uri, min(len(city.updates), 30_000),
                                     city.updates[0], queue_type)
        print(f"  {key} {found[key]}", flush=True)
    found["database"] = ceilings.database(db_url, city.updates)
    print(f"  database {found['database']}", flush=True)
    found["web"] = ceilings.web(args.readers, args.seconds, run_dir / "trivial.log")
    print(f"  web {found['web']}", flush=True)


def raw_insert_s(results, rows):
    """Seconds the database ceiling takes to insert `rows` rows raw."""
    database = results["ceilings"].get("database")
    return rows / database["rows_per_s"] if database and database.get("rows_per_s") else None


def ratios(results):
    measured, ceiling = results["phases"], results["ceilings"]
    answer = {}
    load, library = measured.get("load"), measured.get("library_json")
    if load and raw_insert_s(results, load["rows"]):
        answer["one-file ledger settled ÷ raw insert of its rows"] = round(
            load["tasks_settled_s"] / raw_insert_s(results, load["rows"]), 2)
    if library and raw_insert_s(results, library["rows"]):
        answer["JSON chunks settled ÷ raw insert of their rows"] = round(
            library["settled_s"] / raw_insert_s(results, library["rows"]), 2)
    ingest = measured.get("ingest")
    if ingest and ceiling.get("database"):
        answer["ingest updates/s ÷ raw insert rows/s"] = round(
            ingest["updates_per_s"] / ceiling["database"]["rows_per_s"], 4)
    if ingest and ceiling.get("broker"):
        kind = ceiling["broker"].get("queue_type", "classic")
        answer[f"ingest updates/s ÷ raw publish msg/s ({kind} queue)"] = round(
            ingest["updates_per_s"] / ceiling["broker"]["publish_per_s"], 4)
        answer[f"ingest updates/s ÷ raw consume+ack msg/s ({kind} queue)"] = round(
            ingest["updates_per_s"] / ceiling["broker"]["consume_per_s"], 4)
        # What the goal asks in processor time: the path's core-seconds an update
        # against the bare consumer's a message (its consumer and the broker).
        if ingest.get("cpu_us_per_unit") and ceiling["broker"].get("consume_cpu_us_per_msg"):
            answer[f"ingest processor time an update ÷ raw consume+ack's a message "
                   f"({kind} queue)"] = round(ingest["cpu_us_per_unit"]
                                              / ceiling["broker"]["consume_cpu_us_per_msg"], 1)
    board = measured.get("dashboard")
    if board and ceiling.get("web"):
        answer["dashboard req/s ÷ trivial endpoint req/s"] = round(
            board["rps"] / ceiling["web"]["rps"], 4)
        if board["p95_ms"] and ceiling["web"]["p95_ms"]:
            answer["dashboard p95 ÷ trivial endpoint p95"] = round(
                board["p95_ms"] / ceiling["web"]["p95_ms"], 2)
    return answer


# Each goal is a ratio to a ceiling measured in the same run (the machine is shared
# and its speed varies), except memory, which is a budget.
LIBRARY_TIMES_RAW = 10.0
DASHBOARD_P95_TIMES_TRIVIAL = 1.5
DASHBOARD_RPS_SHARE_OF_TRIVIAL = 0.5
INGEST_SHARE_OF_CONSUME = 1.0
MEMORY_MB = 300.0


def goals(results):
    measured, found = results["phases"], ratios(results)
    answer = []

    def ratio_goal(name, key, target, better="lower"):
        if key in found:
            answer.append(goal(name, found[key], "×", target, better))

    ratio_goal("one-file ledger → stored, coloured, ranked ÷ raw insert",
               "one-file ledger settled ÷ raw insert of its rows", LIBRARY_TIMES_RAW)
    ratio_goal("JSON chunks → stored, coloured, ranked ÷ raw insert",
               "JSON chunks settled ÷ raw insert of their rows", LIBRARY_TIMES_RAW)
    kind = (results["ceilings"].get("broker") or {}).get("queue_type", "classic")
    ratio_goal("ingest end to end ÷ bare kombu consume+ack",
               f"ingest updates/s ÷ raw consume+ack msg/s ({kind} queue)",
               INGEST_SHARE_OF_CONSUME, "higher")
    ratio_goal("one screen p95 ÷ trivial endpoint p95 (50 readers)",
               "dashboard p95 ÷ trivial endpoint p95", DASHBOARD_P95_TIMES_TRIVIAL)
    ratio_goal("one screen req/s ÷ trivial endpoint req/s",
               "dashboard req/s ÷ trivial endpoint req/s", DASHBOARD_RPS_SHARE_OF_TRIVIAL,
               "higher")
    if "reevaluation" in measured:
        answer.append(goal("re-evaluation of everything (API)",
                           measured["reevaluation"]["seconds"], "s", 3.0))
    if "update_latency" in measured:
        answer.append(goal("one update visible p95", measured["update_latency"]["p95_ms"],
                           "ms", 300.0))
    for name, figures in (measured.get("memory") or {}).items():
        answer.append(goal(f"peak memory of {name}", figures["peak_mb"], "MB", MEMORY_MB))
    for component in (results.get("components") or {}).values():
        answer.extend({**g, "name": f"[{component.get('name')}] {g['name']}"}
                      for g in component.get("goals") or [])
    return answer


def main(argv=None):
    args = arguments(argv)
    args.parts = {part.strip() for part in args.only.split(",") if part.strip()}
    unknown = args.parts - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown parts {', '.join(sorted(unknown))}; known: {', '.join(PARTS)}")
    started = time.time()
    city = build_city(args.scale, args.seed, today())
    run_dir = new_run_dir(args.out)
    results = {
        "meta": {"scale": args.scale, "db": args.db, "seed": args.seed,
                 "cpus": os.cpu_count(), "clients": args.clients, "readers": args.readers,
                 "started": dt.datetime.now(dt.UTC).isoformat(), "today": city.today.isoformat(),
                 "city": city.counts(), "run_dir": str(run_dir),
                 # The type of every queue the services read, as they declare it.
                 "queue_type": QUORUM["x-queue-type"]},
        "phases": {}, "ceilings": {}, "components": {},
    }
    print(f"city: {results['meta']['city']}", flush=True)
    try:
        if "platform" in args.parts:
            run_platform(args, city, run_dir, results)
        elif "ceilings" in args.parts:
            with private_vhost() as amqp_uri:
                run_ceilings(args, city, amqp_uri,
                             f"sqlite:///{(run_dir / 'ceiling.db').resolve()}"
                             if args.db == "sqlite" else _pg_scratch(), run_dir, results)
        if "components" in args.parts:
            only = {n.strip() for n in args.components.split(",") if n.strip()} or None
            results["components"] = components.run_all(args, only)
    finally:
        results["ratios"] = ratios(results)
        results["goals"] = goals(results)
        results["meta"]["seconds"] = round(time.time() - started, 1)
        name = f"bench-{args.scale:g}-{args.db}"
        out = run_dir.parent.parent
        write_json(results, out / f"{name}.json")
        write_json(results, out / "latest.json")
        try:
            plot(results, out / f"{name}.png")
            plot(results, out / "latest.png")
        except Exception as exc:  # a plot must not cost the figures
            print(f"no plot: {exc!r}", file=sys.stderr)
        print_summary(results)
        print(f"\nwritten: {out / (name + '.json')} and {out / (name + '.png')}")
        if not args.keep and not args.profile:
            remove(run_dir)
    # Missed goals are figures, not failures; a component that broke is.
    return 1 if any("error" in c for c in results["components"].values()) else 0


def _pg_scratch():
    raise SystemExit("--only ceilings with --db postgres: run it with the platform part")


if __name__ == "__main__":
    sys.exit(main())
