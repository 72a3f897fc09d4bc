import datetime as dt
import json
import subprocess
import sys

from bench.city import COUNTIES, LEAD_UNITS, RESPONSIBLE_UNITS, TARGETS, TASKS, UPDATES, build_city

DAY = dt.date(2026, 11, 23)


def test_the_city_is_the_same_for_the_same_seed_and_day():
    first, again = build_city(0.02, seed=7, today=DAY), build_city(0.02, seed=7, today=DAY)
    assert [task.body() for task in first.tasks] == [task.body() for task in again.tasks]
    assert first.updates == again.updates
    assert first.units == again.units
    other = build_city(0.02, seed=8, today=DAY)
    assert [task.body() for task in other.tasks] != [task.body() for task in first.tasks]


def test_the_city_at_full_scale_has_yichuns_counts():
    city = build_city(1.0, seed=2022, today=DAY)
    counts = city.counts()
    assert counts["tasks"] == TASKS == 20_382
    assert counts["targets"] == TARGETS == 135_000
    assert counts["updates"] == UPDATES == 135_000
    kinds = [unit["kind"] for unit in city.units]
    assert kinds.count("county") == COUNTIES == 10
    assert kinds.count("department") == LEAD_UNITS + RESPONSIBLE_UNITS == 21 + 112
    assert {task.lead_unit for task in city.tasks} <= {
        unit["code"] for unit in city.units if unit["kind"] != "office"}
    assert all(task.cooperating_units is not None for task in city.tasks)
    # Some tasks are late, most are not.
    assert 0.1 < counts["paces"]["far_behind"] / counts["tasks"] < 0.25
    assert counts["paces"]["behind"] > 0
    # Each task's reports never go down, so none is refused as a lowering.
    last = {}
    for update in city.updates:
        assert update["percent"] >= last.get(update["task"], 0)
        last[update["task"]] = update["percent"]


def test_every_report_is_in_the_past_whatever_the_hour_and_time_zone():
    """The tasks service refuses reports from the future: the city's month ends
    before the first moment of its `today` in any time zone."""
    city = build_city(0.02, seed=7, today=DAY)
    earliest_now = dt.datetime.combine(DAY, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=14)))
    moments = [dt.datetime.fromisoformat(u["reported_at"])
               for u in city.updates + city.opening_balance()]
    assert max(moments) < earliest_now
    assert min(u["reported_at"] for u in city.updates) > city.opening_balance()[0]["reported_at"]


def test_a_tiny_bench_run_writes_every_phase(tmp_path):
    subprocess.run([sys.executable, "-m", "bench", "--scale", "0.005", "--seconds", "1",
                    "--samples", "3", "--clients", "2", "--readers", "5",
                    "--out", str(tmp_path)], check=True, timeout=600)
    results = json.loads((tmp_path / "bench-0.005-sqlite.json").read_text())
    assert set(results["phases"]) >= {"load", "ingest", "reevaluation", "dashboard",
                                      "update_latency", "library_json", "memory"}
    # The whole library went in as one ledger file, and again as JSON chunks.
    tasks = results["meta"]["city"]["tasks"]
    assert results["phases"]["load"]["tasks_imported"] == tasks
    assert results["phases"]["library_json"]["tasks"] == tasks
    ingest = results["phases"]["ingest"]
    assert ingest["stored"] == results["meta"]["city"]["updates"]
    # Its processor time, process by process, beside the bare consumer's a message.
    assert {"tasks", "warnings", "ranking", "notify", "gateway"} <= set(ingest["cpu_s"])
    assert ingest["cpu_total_s"] >= sum(ingest["cpu_s"][s] for s in ("tasks", "warnings"))
    assert 0 < ingest["machine_busy"] <= 1.05
    assert results["ceilings"]["broker"]["consume_cpu_us_per_msg"] > 0
    assert results["phases"]["update_latency"]["samples"] > 0
    assert set(results["phases"]["memory"]) == {"tasks", "warnings", "ranking", "notify",
                                                "gateway"}
    assert set(results["ceilings"]) == {"broker", "broker_classic", "database", "web"}
    # The ingest runs on quorum queues; its broker ceiling is measured on one too.
    assert results["meta"]["queue_type"] == "quorum"
    assert results["ceilings"]["broker"]["queue_type"] == "quorum"
    assert results["ceilings"]["broker_classic"]["queue_type"] == "classic"
    assert {"warnings_evaluation", "notify_delivery"} <= set(results["components"])
    assert not any("error" in c for c in results["components"].values())
    assert results["ratios"] and results["goals"]
    named = {goal["name"] for goal in results["goals"]}
    assert {"one-file ledger → stored, coloured, ranked ÷ raw insert",
            "JSON chunks → stored, coloured, ranked ÷ raw insert",
            "ingest end to end ÷ bare kombu consume+ack",
            "one screen p95 ÷ trivial endpoint p95 (50 readers)",
            "one screen req/s ÷ trivial endpoint req/s"} <= named
    assert (tmp_path / "bench-0.005-sqlite.png").stat().st_size > 0
