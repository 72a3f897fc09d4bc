"""Printing the figures, and writing them as JSON and as a PNG plot."""
import json
from pathlib import Path


def _fmt(value, unit=""):
    if value is None:
        return "—"
    if isinstance(value, float) and value >= 100:
        value = f"{value:,.0f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value} {unit}".strip()


def goal_line(goal):
    sign = "≥" if goal["better"] == "higher" else "≤"
    verdict = {True: "met", False: "MISSED", None: ""}[goal["met"]]
    target = ("no goal" if goal["goal"] is None
              else f"goal {sign} {_fmt(goal['goal'], goal['unit'])}")
    return f"  {goal['name']:<52} {_fmt(goal['value'], goal['unit']):>14}   {target:<22} {verdict}"


def print_component(result):
    print(f"component {result.get('name')}:")
    for key, value in result.items():
        if key not in ("goals", "name"):
            print(f"  {key}: {value}")
    for goal in result.get("goals") or []:
        print(goal_line(goal))


def print_summary(results):
    meta = results["meta"]
    print(f"\n=== Luoshi bench: scale {meta['scale']} ({meta['city']['tasks']:,} tasks, "
          f"{meta['city']['targets']:,} targets, {meta['city']['updates']:,} updates), "
          f"db {meta['db']}, {meta['cpus']} cores ===")
    phases = results.get("phases") or {}
    if "load" in phases:
        load = phases["load"]
        print(f"load: units {load.get('units_s')} s; {load.get('tasks_imported'):,} tasks "
              f"imported and settled in {load.get('tasks_settled_s')} s; opening balance "
              f"{load.get('opening_updates'):,} updates in {load.get('opening_s')} s")
    if "ingest" in phases:
        ing = phases["ingest"]
        queues = f" on {meta['queue_type']} queues" if meta.get("queue_type") else ""
        print(f"1. ingest{queues}: {ing['stored']:,} updates ({ing['rejected']} rejected) by "
              f"{ing['clients']} clients: stored {ing['stored_s']} s, evaluated "
              f"{ing['evaluated_s']} s, ranking reflects them {ing['ranked_s']} s → "
              f"{_fmt(ing['updates_per_s'])} updates/s end to end "
              f"(HTTP answers alone: {_fmt(ing['http_updates_per_s'])}/s); colours after: "
              f"{ing['colours_after']}")
        if ing.get("cpu_s"):
            print(f"   processor time: {ing['cpu_total_s']} core-s, "
                  f"{_fmt(ing['cpu_us_per_unit'])} µs an update ("
                  + ", ".join(f"{name} {s}" for name, s in ing["cpu_s"].items())
                  + f"); the {ing['cores']} cores were {ing['machine_busy']:.0%} busy")
    if "reevaluation" in phases:
        ree = phases["reevaluation"]
        print(f"2. re-evaluation as of {ree['as_of']}: {ree['seconds']} s for "
              f"{_fmt(ree['evaluated'])} items, {_fmt(ree['changed'])} changed, "
              f"{_fmt(ree['notices_issued'])} notices issued (consequences settled in "
              f"{ree['consequences_settled_s']} s)")
    if "dashboard" in phases:
        d = phases["dashboard"]
        print(f"3. dashboard, {d['concurrency']} readers: {_fmt(d['rps'])} req/s, p50 "
              f"{d['p50_ms']} ms, p95 {d['p95_ms']} ms, p99 {d['p99_ms']} ms "
              f"({d['requests']:,} requests, {d['errors']} errors)")
    if "update_latency" in phases:
        u = phases["update_latency"]
        print(f"4. one update, {u['samples']} samples ({u['missed']} missed): visible p50 "
              f"{u['p50_ms']} ms, p95 {u['p95_ms']} ms (colour p50 {u['colour']['p50_ms']} / "
              f"p95 {u['colour']['p95_ms']} ms; notification p50 "
              f"{u['notification']['p50_ms']} / p95 {u['notification']['p95_ms']} ms)")
    if "memory" in phases:
        print("5. peak resident memory: " + ", ".join(
            f"{name} {m['peak_mb']} MB" for name, m in phases["memory"].items()))
    ceilings = results.get("ceilings") or {}
    if ceilings:
        b, d, w = ceilings.get("broker"), ceilings.get("database"), ceilings.get("web")
        print("ceilings:")
        for found in (b, ceilings.get("broker_classic")):
            if found:
                print(f"  broker, {found.get('queue_type', 'classic')} queue: publish "
                      f"{_fmt(found['publish_per_s'])} msg/s (confirmed, persistent), "
                      f"consume+ack {_fmt(found['consume_per_s'])} msg/s "
                      f"({found['bytes']} B messages"
                      + (f"; consumer and broker {found['consume_cpu_us_per_msg']} µs "
                         f"of processor a message, cores "
                         f"{found['consume_machine_busy']:.0%} busy"
                         if found.get("consume_cpu_us_per_msg") else "") + ")")
        if d:
            print(f"  database: {_fmt(d['rows_per_s'])} progress rows/s inserted "
                  f"({d['batch']} a transaction)")
        if w:
            print(f"  web: trivial endpoint {_fmt(w['rps'])} req/s, p50 {w['p50_ms']} ms, "
                  f"p95 {w['p95_ms']} ms, p99 {w['p99_ms']} ms")
    ratios = results.get("ratios") or {}
    if ratios:
        print("ratios (platform ÷ ceiling):")
        for name, value in ratios.items():
            print(f"  {name}: {value}")
    for name, component in (results.get("components") or {}).items():
        if "error" in component:
            print(f"component {name}: FAILED: {component['error']}")
        else:
            summary = {k: v for k, v in component.items()
                       if k not in ("goals", "name", "db", "scale") and not isinstance(v, dict)}
            print(f"component {name}: {summary}")
    goals = results.get("goals") or []
    if goals:
        print("goals:")
        for goal in goals:
            print(goal_line(goal))


def write_json(results, path):
    Path(path).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


def plot(results, path):
    """Four panels: durations, throughput beside ceilings, latencies, memory."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    phases = results.get("phases") or {}
    ceilings = results.get("ceilings") or {}
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    meta = results["meta"]
    fig.suptitle(f"Luoshi bench — scale {meta['scale']} ({meta['city']['tasks']:,} tasks, "
                 f"{meta['city']['updates']:,} updates), {meta['db']}, {meta['cpus']} cores, "
                 f"{meta['started'][:16]}")

    ax = axes[0][0]
    bars = {}
    if "ingest" in phases:
        bars["ingest: stored"] = phases["ingest"]["stored_s"]
        bars["ingest: evaluated"] = phases["ingest"]["evaluated_s"]
        bars["ingest: ranked"] = phases["ingest"]["ranked_s"]
    if "reevaluation" in phases:
        bars["re-evaluation"] = phases["reevaluation"]["seconds"]
    if "load" in phases and "tasks_settled_s" in phases["load"]:
        bars["library: one ledger file"] = phases["load"]["tasks_settled_s"]
    if "library_json" in phases:
        bars["library: JSON chunks"] = phases["library_json"]["settled_s"]
    for name, component in (results.get("components") or {}).items():
        if name == "warnings" and "full_reevaluation" in component:
            bars["warnings alone: re-eval"] = component["full_reevaluation"]["seconds"]
        if name == "notify" and "drained_s" in component:
            bars["notify: drained"] = component["drained_s"]
    ax.barh(list(bars), list(bars.values()), color="#4c72b0")
    ax.axvline(3, color="red", linestyle="--", linewidth=1, label="re-evaluation goal 3 s")
    ax.set_xlabel("seconds")
    ax.set_title("Phases")
    ax.legend(fontsize=8)

    ax = axes[0][1]
    rates = {}
    if "ingest" in phases:
        rates["ingest end to end\n(updates/s)"] = phases["ingest"]["updates_per_s"]
    if ceilings.get("database"):
        rates["raw DB insert\n(rows/s)"] = ceilings["database"]["rows_per_s"]
    for key in ("broker", "broker_classic"):
        if ceilings.get(key):
            kind = ceilings[key].get("queue_type", "classic")
            rates[f"raw publish\n{kind} (msg/s)"] = ceilings[key]["publish_per_s"]
            rates[f"raw consume+ack\n{kind} (msg/s)"] = ceilings[key]["consume_per_s"]
    ax.bar(list(rates), list(rates.values()), color=["#dd8452"] + ["#8c8c8c"] * (len(rates) - 1))
    consume = (ceilings.get("broker") or {}).get("consume_per_s")
    if consume:
        ax.axhline(consume, color="red", linestyle="--", linewidth=1,
                   label="ingest goal: the bare consume+ack rate")
    ax.set_yscale("log")
    ax.set_title("Throughput beside the machine's ceilings")
    ax.tick_params(axis="x", labelsize=8)
    if consume:
        ax.legend(fontsize=8)

    ax = axes[1][0]
    series = {}
    if "dashboard" in phases:
        d = phases["dashboard"]
        series[f"dashboard\n{d['rps']:.0f} req/s"] = [d["p50_ms"], d["p95_ms"], d["p99_ms"]]
    if ceilings.get("web"):
        w = ceilings["web"]
        series[f"trivial endpoint\n{w['rps']:.0f} req/s"] = [w["p50_ms"], w["p95_ms"], w["p99_ms"]]
    if "update_latency" in phases:
        u = phases["update_latency"]
        series["one update visible"] = [u["p50_ms"], u["p95_ms"], u["p99_ms"]]
    width = 0.25
    for i, label in enumerate(("p50", "p95", "p99")):
        ax.bar([x + i * width for x in range(len(series))],
               [values[i] or 0 for values in series.values()], width, label=label)
    ax.set_xticks([x + width for x in range(len(series))], list(series), fontsize=8)
    ax.axhline(50, color="red", linestyle="--", linewidth=1)
    ax.axhline(300, color="purple", linestyle=":", linewidth=1)
    ax.set_ylabel("ms (dashed: 50 ms screen goal; dotted: 300 ms update goal)")
    ax.set_yscale("log")
    ax.set_title("Latency")
    ax.legend(fontsize=8)

    ax = axes[1][1]
    memory = phases.get("memory") or {}
    ax.bar(list(memory), [m["peak_mb"] or 0 for m in memory.values()], color="#55a868")
    ax.axhline(300, color="red", linestyle="--", linewidth=1, label="goal 300 MB")
    ax.set_ylabel("peak resident MB (VmHWM)")
    ax.set_title("Memory")
    ax.legend(fontsize=8)

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
