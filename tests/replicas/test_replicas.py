"""Several replicas of every service share their queues, apply every event once
and do their timers' work once per period.

A burst of progress batches from two county systems goes through the gateway
while every replica's timers tick each second; then the office re-evaluates
as of a later day from several requests at once, which issues supervision
notices. Afterwards the databases, the broker and every replica's metrics are
read: no effect is doubled, no timer's work is done twice, and each queue has
one consumer per replica.
"""
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from services.common.config import SERVICES
from tests.replicas.platform import FIGURES, LEADER
from tests.support.dates import judge_new_tasks_at_once
from tests.support.waiting import eventually

COUNTIES = ("c0", "c1")
TASKS_PER_COUNTY = 20
BATCHES_PER_COUNTY = 8
CONCURRENT_EVALUATIONS = 6


def build_city(http, today):
    """Two counties with heads to notify and 20 tasks each, every task behind
    its plan (half its work was due ten days before `today`), so red from the start."""
    for county in COUNTIES:
        http.post("/api/v1/units", json={
            "code": county, "name": f"县{county}", "kind": "county",
            "head": {"name": f"{county}县长", "phone": "13800000000",
                     "email": f"head-{county}@example.invalid"}}).raise_for_status()
        for number in range(TASKS_PER_COUNTY):
            http.post("/api/v1/tasks", json={
                "code": f"{county}-T{number:02d}", "title": f"重点任务{county}-{number}",
                "lead_unit": county, "start_date": (today - dt.timedelta(days=100)).isoformat(),
                "due_date": (today + dt.timedelta(days=100)).isoformat(),
                "targets": [
                    {"due_date": (today - dt.timedelta(days=10)).isoformat(),
                     "planned_percent": 50},
                    {"due_date": (today + dt.timedelta(days=100)).isoformat(),
                     "planned_percent": 100}]}).raise_for_status()


def batches(county):
    """Batches rising to 80 % on the even tasks; the odd ones stay without reports."""
    codes = [f"{county}-T{number:02d}" for number in range(0, TASKS_PER_COUNTY, 2)]
    return [[{"task": code, "unit": county, "percent": 10 * (batch + 1)} for code in codes]
            for batch in range(BATCHES_PER_COUNTY)]


def post_all(url, token, county, accepted):
    with httpx.Client(base_url=url, timeout=120,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        for number, batch in enumerate(batches(county)):
            answer = http.post("/api/v1/progress", json=batch,
                               headers={"Idempotency-Key": f"{county}-{number}"})
            answer.raise_for_status()
            accepted.append(answer.json()["accepted"])


def duplicates(platform, service, table, columns, where="TRUE"):
    return platform.sql(service, f"SELECT {columns}, count(*) FROM {table} WHERE {where} "
                                 f"GROUP BY {columns} HAVING count(*) > 1")


def test_replicas_share_the_work_and_do_it_once(platform):
    token = platform.token()
    with httpx.Client(base_url=platform.url, timeout=120,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        # New tasks judged at once: the odd tasks, never reported, are red from
        # the start (the platform's day, which its clock holds).
        judge_new_tasks_at_once(http)
        today = platform.clock.day
        build_city(http, today)

        # The burst: both county systems at once, through the one gateway.
        accepted = []
        threads = [threading.Thread(target=post_all, args=(platform.url, token, county,
                                                           accepted))
                   for county in COUNTIES]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        sent_batches = len(COUNTIES) * BATCHES_PER_COUNTY
        sent_reports = sum(len(batch) for county in COUNTIES for batch in batches(county))
        assert len(accepted) == sent_batches and sum(accepted) == sent_reports
        eventually(platform.settled, timeout=120, interval=0.5)

        # The office re-evaluates as of a later day from several requests at
        # once; each lands on some warnings replica. The odd tasks, red since
        # today, are due a supervision notice then.
        later = (today + dt.timedelta(days=14)).isoformat()
        with ThreadPoolExecutor(CONCURRENT_EVALUATIONS) as pool:
            answers = list(pool.map(
                lambda _: http.post("/api/v1/evaluations", params={"as_of": later}),
                range(CONCURRENT_EVALUATIONS)))
        assert [answer.status_code for answer in answers] == [200] * CONCURRENT_EVALUATIONS, \
            [answer.text[:300] for answer in answers]
        eventually(platform.settled, timeout=120, interval=0.5)

    # Every event applied once --------------------------------------------------
    ((applied_batches,),) = platform.sql(
        "warnings", "SELECT count(*) FROM applied_events WHERE consumer = 'on_progress_reported'")
    ((applied_reports,),) = platform.sql(
        "warnings", "SELECT coalesce(sum(reports_applied), 0) FROM watched_tasks")
    assert (applied_batches, applied_reports) == (sent_batches, sent_reports)
    history_doubles = duplicates(platform, "warnings", "colour_history",
                                 "item_kind, item_key, colour, previous, as_of")
    assert history_doubles == []
    ((history_rows,),) = platform.sql("warnings", "SELECT count(*) FROM colour_history")

    red_tasks = TASKS_PER_COUNTY * len(COUNTIES) // 2
    notice_doubles = duplicates(platform, "warnings", "notices", "item_kind, item_key")
    ((notices,),) = platform.sql("warnings", "SELECT count(*) FROM notices")
    assert notice_doubles == []
    assert notices == red_tasks

    delivery_doubles = duplicates(platform, "notify", "notifications",
                                  "event_id, channel, recipient, item")
    heard_twice = duplicates(platform, "notify", "notifications",
                             "event_type, item, colour, channel, recipient",
                             where="event_type IN ('colour_changed', 'notice_issued')")
    assert delivery_doubles == [] and heard_twice == []
    ((notice_messages,),) = platform.sql(
        "notify", "SELECT count(DISTINCT item) FROM notifications "
                  "WHERE event_type = 'notice_issued'")
    assert notice_messages == notices
    ((deliveries,),) = platform.sql("notify", "SELECT count(*) FROM notifications")

    # Timers: asked by every replica every second, done once --------------------
    daily = platform.sql("warnings", "SELECT period FROM timer_runs "
                                     "WHERE job = 'daily-evaluation'")
    bulletins = platform.sql("notify", "SELECT week_start FROM bulletins")
    bulletin_runs = platform.sql("notify", "SELECT period FROM timer_runs "
                                           "WHERE job = 'weekly-bulletin'")
    assert len(daily) == 1 and len(bulletins) == 1 and len(bulletin_runs) == 1
    leader_messages = platform.sql(
        "notify", "SELECT channel, recipient, count(*) FROM notifications "
                  "WHERE event_type = 'bulletin_published' GROUP BY channel, recipient")
    assert sorted((channel, recipient, count) for channel, recipient, count
                  in leader_messages) == [("email", LEADER["email"], 1),
                                          ("inbox", LEADER["user"], 1)]
    evaluation_ticks = platform.per_replica(
        "warnings", "luoshi_messages_handled_total", entrypoint="evaluate_daily")
    notify_ticks = platform.per_replica("notify", "luoshi_messages_handled_total",
                                        entrypoint="tick")
    assert all(ticks >= 2 for ticks in (*evaluation_ticks.values(), *notify_ticks.values()))

    # Queues shared: one consumer per replica on each --------------------------
    queues = platform.consumers()
    wrong = {}
    for service in SERVICES:
        mine = [queue for queue in queues
                if queue == f"rpc-{service}" or (queue.startswith("evt-")
                                                 and f"--{service}." in queue
                                                 and ".retry." not in queue)]
        assert mine, service
        wrong.update({queue: queues[queue][0] for queue in mine
                      if queues[queue][0] != platform.replicas[service]})
    assert wrong == {}, f"queues whose consumers are not the replica count: {wrong}"

    # The work was shared: the metrics of each replica ---------------------------
    progress_by_replica = platform.per_replica(
        "warnings", "luoshi_messages_handled_total", entrypoint="on_progress_reported")
    rpc_by_replica = platform.per_replica("tasks", "luoshi_messages_handled_total", kind="rpc")
    assert sum(progress_by_replica.values()) == sent_batches
    backlog = {name: platform.metric(name, "luoshi_outbox_unsent_events")
               for name in platform.replica_names}
    assert set(backlog.values()) == {0}
    parked = {name: platform.metric(name, "luoshi_messages_parked_total")
              for name in platform.replica_names}
    assert set(parked.values()) == {0}
    with httpx.Client(base_url=platform.ops_url, timeout=30) as http:
        gateway_metrics = http.get("/metrics").text
    assert 'route="/api/v1/progress"' in gateway_metrics

    FIGURES.extend([
        f"replicas: {platform.replicas}",
        f"progress: {sent_batches} batches of {sent_reports} reports sent, accepted "
        f"{sum(accepted)}; warnings applied {applied_batches} batches, {applied_reports} "
        f"reports; batches per warnings replica {sorted(progress_by_replica.values())}",
        f"tasks RPC calls per replica {sorted(rpc_by_replica.values())}",
        f"colour history rows {history_rows}, doubled {len(history_doubles)}",
        f"{CONCURRENT_EVALUATIONS} concurrent evaluations as of {later}: notices {notices} "
        f"for {red_tasks} red tasks, doubled {len(notice_doubles)}",
        f"delivery log rows {deliveries}, doubled per event {len(delivery_doubles)}, "
        f"heard twice {len(heard_twice)}",
        f"daily evaluation: ticks per warnings replica {sorted(evaluation_ticks.values())}, "
        f"runs {len(daily)}",
        f"weekly bulletin: ticks per notify replica {sorted(notify_ticks.values())}, "
        f"bulletins {len(bulletins)}, messages to the leader {len(leader_messages)}",
        "consumers per queue: " + ", ".join(
            f"{queue}={queues[queue][0]}" for queue in sorted(queues)
            if queue.startswith(("rpc-", "evt-")) and ".retry." not in queue),
    ])
