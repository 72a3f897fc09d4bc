"""The phases measured on a running platform, each answering a dict of figures.

Everything goes through the public HTTP API, except read-only probes of state
the API does not expose: the warnings service's `get_evaluation_figures` (how
many reports it has applied), each service's `activity` (its outbox) and the
broker's queue depths, which together tell when every event has been applied.
"""
import datetime as dt
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from gateway.ledger_sheet import write_ledger
from gateway.spreadsheet import XLSX_MEDIA_TYPE

from . import cpu
from .city import batches_by_client, planned_on
from .load import hammer, latency_figures
from .platform import ready_messages

JSON_CHUNK = 1000  # tasks per POST /api/v1/tasks/batch, the most it takes
# One request carries the city's ledger: it is answered once every task is stored.
LEDGER_TIMEOUT = 1800
SERVICES = ("tasks", "warnings", "ranking", "notify")
# How often the warnings service is asked how far it has got: each answer counts
# its tasks (15 ms at a city's scale), asked ten times a second it took warnings
# several seconds of a phase.
POLL_WARNINGS = 0.5
# How long no service has applied an event before the queues are worth listing.
STILL = dt.timedelta(seconds=0.3)
# The default routing rules, without quiet hours: a bench may run at night.
RED_RULE = {"event_type": "colour_changed", "colour": "red", "role": "operator",
            "channels": ["sms", "email", "inbox"], "quiet_hours": None}
MUTED = {**RED_RULE, "enabled": False}
NOTICE_RULES = [{"event_type": kind, "role": "head", "channels": ["sms", "email", "inbox"],
                 "quiet_hours": None} for kind in ("notice_issued", "notice_overdue")]


class Deadline(Exception):
    pass


def wait_for(check, timeout, interval=0.2, what="the platform"):
    """Poll `check()` until it answers something true; answers it."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise Deadline(f"gave up waiting for {what} after {timeout:.0f}s")
        time.sleep(interval)


def wait_idle(platform, timeout=1800):
    """Until every event emitted has been applied (retry and parked queues aside)."""
    def idle():
        platform.check_alive()
        return settled(platform)
    wait_for(idle, timeout, interval=1.0, what="the queues to drain")


def reports_applied(platform):
    return platform.rpc("warnings", "get_evaluation_figures", colours=False)["reports_applied"]


def post_batches(platform, batches, answers):
    """One county system: its batches in order, each under its own key."""
    prefix = uuid.uuid4().hex[:8]
    with platform.http() as http:
        for number, batch in enumerate(batches):
            answer = http.post("/api/v1/progress", json=batch,
                               headers={"Idempotency-Key": f"{prefix}-{number}"})
            answer.raise_for_status()
            body = answer.json()
            answers.append((body["accepted"], body["rejected"],
                            [r for r in body["results"] if r["status"] == "rejected"][:1]))


def post_concurrently(platform, updates, clients):
    answers = []
    threads = [threading.Thread(target=post_batches, args=(platform, batches, answers))
               for batches in batches_by_client(updates, clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = sum(a for a, _, _ in answers)
    rejected = sum(r for _, r, _ in answers)
    sample = next((s for _, r, s in answers if r), [])
    return accepted, rejected, sample, len(answers)


# Loading (not a measured phase, but timed) ------------------------------------

def busiest(before, after, top=6):
    """The handlers that took most of a phase's time: {"service.entrypoint": s}."""
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    return {name: round(seconds, 2) for name, seconds in
            sorted(spent.items(), key=lambda item: -item[1])[:top] if seconds >= 0.01}


def library_settled(platform, tasks, started):
    """Seconds from `started` until the warnings service has coloured `tasks` tasks,
    every event is applied, and the live ranking holds them."""
    wait_for(lambda: platform.rpc("warnings", "get_evaluation_figures",
                                  colours=False)["tasks"] >= tasks,
             3600, interval=POLL_WARNINGS, what="the warnings service's tasks")
    wait_for(lambda: settled(platform), 3600, interval=0.1, what="every event to be applied")
    applied = moment(platform.rpc("ranking", "activity")["last_applied_at"])
    with platform.http() as http:
        wait_for(lambda: ranking_reflects(http, applied), 3600, interval=0.1,
                 what="the ranking")
    return time.perf_counter() - started


def load_city(platform, city, clients):
    """Units, the task library (one ledger .xlsx of the whole year) and each
    task's progress before the month, all through the API; notifications
    are muted meanwhile (a newly loaded library is mostly behind its plan) and
    the default rules restored without quiet hours afterwards."""
    figures = {}
    started = time.perf_counter()
    with platform.http() as http:
        # No rules at all means the defaults: one disabled rule silences them.
        http.put("/api/v1/routing-rules", json={"rules": [MUTED]}).raise_for_status()
        for unit in city.units:
            http.post("/api/v1/units", json=unit).raise_for_status()
    figures["units_s"] = round(time.perf_counter() - started, 2)

    # The office's way: the whole year's library as ONE ledger (.xlsx, 重点任务清单),
    # checked whole, stored, coloured and counted before the next step.
    names = {unit["code"]: unit["name"] for unit in city.units}
    content = write_ledger([task.body() for task in city.tasks], names)
    figures["ledger_mb"] = round(len(content) / 2**20, 2)
    spent = platform.handler_seconds()
    started = time.perf_counter()
    with platform.http(timeout=LEDGER_TIMEOUT) as http:
        answer = http.post("/api/v1/imports/ledger",
                           files={"file": ("重点任务清单.xlsx", content, XLSX_MEDIA_TYPE)})
    if answer.status_code != 200 or answer.json().get("errors"):
        raise RuntimeError(f"ledger refused: {answer.status_code} {answer.text[:800]}")
    figures["tasks_imported"] = answer.json()["created"]
    figures["import_http_s"] = round(time.perf_counter() - started, 2)
    figures["tasks_settled_s"] = round(library_settled(platform, len(city.tasks), started), 2)
    figures["rows"] = len(city.tasks) + city.target_count
    figures["handlers_s"] = busiest(spent, platform.handler_seconds())

    started = time.perf_counter()
    opening = city.opening_balance()
    accepted, rejected, sample, _ = post_concurrently(platform, opening, clients)
    wait_for(lambda: reports_applied(platform) >= accepted, 3600, interval=1.0,
             what="the opening balance to be evaluated")
    wait_idle(platform)
    figures.update(opening_updates=accepted, opening_rejected=rejected,
                   opening_s=round(time.perf_counter() - started, 2))
    if rejected:
        figures["opening_rejected_sample"] = sample
    with platform.http() as http:
        http.put("/api/v1/routing-rules",
                 json={"rules": [RED_RULE, *NOTICE_RULES]}).raise_for_status()
    return figures


# 1. Ingest ------------------------------------------------------------------------

def settled(platform):
    """True when every event emitted has been applied: no service has an event
    waiting in its outbox or in hand, no queue holds a message ready for a
    consumer, and no service emitted or applied anything meanwhile."""
    still = quiet(platform)
    return bool(still) and not queues_held(platform) and quiet(platform) == still


def quiet(platform):
    """The services' activity when none has an event waiting in its outbox or in
    hand and none has begun to apply one for a moment (STILL), else None: an end
    as the services see it, which a message still ready in a queue may yet
    contradict (queues_held)."""
    activity = {s: platform.rpc(s, "activity") for s in SERVICES}
    if any(found["outbox"]["pending"] or found["in_hand"] for found in activity.values()):
        return None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if any(found["last_applied_at"] and now - moment(found["last_applied_at"]) < STILL
           for found in activity.values()):
        return None
    return activity


def queues_held(platform):
    """{queue: messages ready} of the platform's queues that hold any, each asked
    directly: RabbitMQ's listing (rabbitmqctl) starts an Erlang VM, takes most of
    a second of a core the services would miss, and counts a quorum queue's
    messages as of its last refresh, seconds ago."""
    return {name: ready for name, ready in
            ready_messages(platform.amqp_uri, platform.consumed_queues()).items() if ready}


def moment(text):
    return dt.datetime.fromisoformat(text.rstrip("Z"))


def ranking_reflects(http, since):
    """True when the live ranking of every group holds the facts applied up to
    `since` (UTC): its `computed_at` is the moment whose facts it holds."""
    for group in http.get("/api/v1/rankings/groups").raise_for_status().json()["items"]:
        answer = http.get("/api/v1/rankings", params={"group": group["key"]})
        if moment(answer.raise_for_status().json()["computed_at"]) < since:
            return False
    return True


def ingest(platform, city, clients, timeout=3600):
    """A month of progress posted by `clients` county systems in batches of up
    to 1,000, timed until every update is stored (the HTTP answers: the tasks
    service answers after its commit), evaluated (the warnings service applied
    them all) and the live ranking was scored after every event was applied."""
    base = reports_applied(platform)
    figures = {"updates": len(city.updates), "clients": clients}
    spent = platform.handler_seconds()
    platform.consumed_queues()  # listed before the clock starts
    processor = cpu.reading(platform.pids(), platform.servers())
    started, wall = time.perf_counter(), dt.datetime.now(dt.UTC).replace(tzinfo=None)
    accepted, rejected, sample, batches = post_concurrently(platform, city.updates, clients)
    figures.update(stored=accepted, rejected=rejected, batches=batches,
                   stored_s=round(time.perf_counter() - started, 3))
    if rejected:
        figures["rejected_sample"] = sample
    wait_for(lambda: reports_applied(platform) - base >= accepted, timeout,
             interval=POLL_WARNINGS,
             what="every update to be evaluated")
    figures["evaluated_s"] = round(time.perf_counter() - started, 3)
    with platform.http() as http:
        # The end as the services see it, then the ranking scored after the last
        # event it applied, then the queues asked whether nothing was still on
        # its way (else all again). Polling RabbitMQ's listing instead took a
        # quarter of the ingest's processor time, and waited out its counts of
        # quorum queues, refreshed every few seconds.
        held = []
        while True:
            still = wait_for(lambda: quiet(platform), timeout, interval=0.1,
                             what="every event to be applied")
            settled_s = time.perf_counter() - started
            applied = moment(still["ranking"]["last_applied_at"])
            wait_for(lambda since=applied: ranking_reflects(http, since), timeout, interval=0.1,
                     what="the ranking")
            elapsed = time.perf_counter() - started
            ended = cpu.reading(platform.pids(), platform.servers())
            found = queues_held(platform)
            if not found and quiet(platform) == still:
                break
            held.append({"at_s": round(time.perf_counter() - started, 3), "queues": found})
        board = http.get("/api/v1/dashboard").raise_for_status().json()
    # When each service began to apply its last event: the ranking's is followed
    # by the wait for a quiet moment and one scoring.
    figures["settled_s"] = round(settled_s, 3)
    # Ends the services saw that the broker's queues then contradicted.
    figures["ends_refuted"] = held
    figures["applied_s"] = {s: round((moment(found["last_applied_at"]) - wall).total_seconds(), 3)
                            for s, found in still.items() if found["last_applied_at"]}
    figures["ranking_applied_s"] = figures["applied_s"]["ranking"]
    # Read at the end the bench measures, before the queues are asked.
    figures.update(cpu.spent(processor, ended, accepted))
    figures.update(ranked_s=round(elapsed, 3), seconds=round(elapsed, 3),
                   updates_per_s=round(accepted / elapsed, 1),
                   http_updates_per_s=round(accepted / figures["stored_s"], 1),
                   colours_after=board["counts"],
                   handlers_s=busiest(spent, platform.handler_seconds(), top=10))
    return figures


# 2. Re-evaluation ----------------------------------------------------------------

def reevaluation(platform, as_of):
    """POST /api/v1/evaluations?as_of=: every colour as of a day, timed to the answer."""
    with platform.http() as http:
        started = time.perf_counter()
        answer = http.post("/api/v1/evaluations", params={"as_of": as_of.isoformat()})
        elapsed = time.perf_counter() - started
        answer.raise_for_status()
        body = answer.json()
        settle_started = time.perf_counter()
        wait_idle(platform)
        board = http.get("/api/v1/dashboard").json()
    return {"as_of": as_of.isoformat(), "seconds": round(elapsed, 3),
            "evaluated": body.get("evaluated"), "changed": body.get("changed"),
            "notices_issued": body.get("notices_issued"),
            "consequences_settled_s": round(elapsed + time.perf_counter() - settle_started, 1),
            "colours_after": board["counts"]}


# 3. The one screen -----------------------------------------------------------------

def dashboard(platform, readers, seconds):
    """GET /api/v1/dashboard by `readers` concurrent keep-alive readers."""
    return hammer(platform.url, "/api/v1/dashboard", platform.headers(), readers, seconds)


# 4. One update's latency -------------------------------------------------------------

def update_latency(platform, city, samples):
    """One correction at a time on an idle system, each sending a task on plan to
    0%: timed from the POST until the API shows the task red and its notification
    in the delivery log. Answers p50/p95 of each and of both."""
    wait_idle(platform)
    chosen = [task for task in city.tasks if task.pace == "on_plan"
              and task.closing >= 60 and planned_on(task, city.today) >= 45][:samples]
    colour_s, notice_s, both_s, missed = [], [], [], []
    with platform.http(timeout=60) as http:
        for task in chosen:
            before = http.get("/api/v1/notifications",
                              params={"task": task.code, "limit": 1}).json()["total"]
            if http.get(f"/api/v1/tasks/{task.code}").json().get("colour") == "red":
                missed.append(f"{task.code} was red already")
                continue
            started = time.perf_counter()
            http.post("/api/v1/progress", json=[{
                "task": task.code, "unit": task.lead_unit, "percent": 0,
                "correction": True, "note": "核减：数据报错"}]).raise_for_status()
            seen_colour = seen_notice = None
            deadline = started + 30
            while (seen_colour is None or seen_notice is None) and time.perf_counter() < deadline:
                if seen_colour is None:
                    if http.get(f"/api/v1/tasks/{task.code}").json().get("colour") == "red":
                        seen_colour = time.perf_counter() - started
                if seen_notice is None:
                    total = http.get("/api/v1/notifications",
                                     params={"task": task.code, "limit": 1}).json()["total"]
                    if total > before:
                        seen_notice = time.perf_counter() - started
                time.sleep(0.002)
            if seen_colour is None or seen_notice is None:
                missed.append(task.code)
                continue
            colour_s.append(seen_colour)
            notice_s.append(seen_notice)
            both_s.append(max(seen_colour, seen_notice))
    return {"samples": len(both_s), "missed": len(missed), "missed_sample": missed[:3],
            "colour": latency_figures(colour_s), "notification": latency_figures(notice_s),
            **latency_figures(both_s)}


# 5. Memory --------------------------------------------------------------------------

def memory(platform):
    """Peak resident memory (VmHWM) of each process the bench started."""
    return platform.memory()


def tomorrow(city):
    return city.today + dt.timedelta(days=1)


# 6. The library again, through the JSON API ---------------------------------------

def library_by_json(platform, city, clients):
    """The same library (under other codes) as a county or city system sends it:
    POST /api/v1/tasks/batch in chunks of 1,000 by `clients` at once, timed until
    every task is stored, coloured and held by the live ranking. Run last: it
    doubles the library the later phases would see."""
    bodies = [{**task.body(), "code": f"{task.code}-J"} for task in city.tasks]
    chunks = [bodies[i:i + JSON_CHUNK] for i in range(0, len(bodies), JSON_CHUNK)]
    before = platform.rpc("warnings", "get_evaluation_figures", colours=False)["tasks"]
    spent = platform.handler_seconds()

    def post(chunk):
        with platform.http(timeout=LEDGER_TIMEOUT) as http:
            answer = http.post("/api/v1/tasks/batch", json=chunk,
                               headers={"Idempotency-Key": uuid.uuid4().hex})
        if answer.status_code != 201:
            raise RuntimeError(f"batch refused: {answer.status_code} {answer.text[:500]}")
        return answer.json()["created"]

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        created = sum(pool.map(post, chunks))
    stored = time.perf_counter() - started
    return {"tasks": created, "rows": created + city.target_count, "chunks": len(chunks),
            "clients": clients, "stored_s": round(stored, 2),
            "settled_s": round(library_settled(platform, before + created, started), 2),
            "handlers_s": busiest(spent, platform.handler_seconds())}
