"""Where a phase's processor time went: each process's user and system seconds
(from /proc), the broker's, the database server's and the bench's own, and how
busy the machine's cores were. A rate is only read right against the cores it
had: on a machine whose cores were all busy, a stage is faster only if the
whole path costs less processor time per update, not if one process waits less.
"""
import os
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
# Processes outside the platform that the path runs through, by their name in
# /proc/<pid>/comm: RabbitMQ's Erlang VM, and PostgreSQL's server and backends
# (a backend that exits during a phase takes its time with it: a lower bound).
OUTSIDE = {"broker": ("beam.smp",), "postgres": ("postgres",)}


def stat_fields(pid):
    """The fields of /proc/<pid>/stat after the command name (state, ppid, …,
    utime at [11], stime at [12]), or None once the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields follow its last ")".
    return stat[stat.rindex(")") + 2:].split()


def process_seconds(pid):
    """User + system seconds a process has used so far, or None once it is gone."""
    fields = stat_fields(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / TICKS


def pids_named(names):
    """The processes called one of `names`, but for this one's children (the
    Erlang VM of a rabbitmqctl listing is counted with the bench's tools)."""
    found, mine = [], str(os.getpid())
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() not in names:
                    continue
            except OSError:
                continue
            fields = stat_fields(entry.name)
            if fields is not None and fields[1] != mine:
                found.append(int(entry.name))
    return found


def machine_busy_seconds():
    """Core-seconds the whole machine has spent busy (not idle, not waiting on I/O)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    # guest time is counted in user time already
    return (sum(values[:8]) - idle) / TICKS


def reading(pids, outside=tuple(OUTSIDE)):
    """A snapshot: {name: seconds} of the named `pids`, of the processes outside
    the platform named in `outside`, of this process (the load's clients) and of the children it
    waited for (rabbitmqctl listings), with the moment and the machine's busy
    core-seconds."""
    answer = {name: process_seconds(pid) for name, pid in pids.items()}
    for name in outside:
        per_pid = {pid: process_seconds(pid) for pid in pids_named(OUTSIDE[name])}
        answer[name] = {pid: s for pid, s in per_pid.items() if s is not None}
    own = os.times()
    answer["bench"] = own.user + own.system
    answer["bench tools"] = own.children_user + own.children_system
    return {"at": time.perf_counter(), "busy": machine_busy_seconds(), "seconds": answer}


def spent(before, after, units):
    """What a phase between two readings cost: {cpu_s: {process: core-seconds},
    cpu_total_s, cpu_us_per_unit (microseconds per one of `units`), machine_busy (the share of
    all the cores busy over the phase, whoever used them), cores}."""
    cpu = {}
    for name, now in after["seconds"].items():
        then = before["seconds"].get(name)
        if isinstance(now, dict):
            # Per pid: a backend or Erlang process started during the phase counts whole.
            used = sum(s - (then or {}).get(pid, 0.0) for pid, s in now.items())
        elif now is None or then is None:
            continue
        else:
            used = now - then
        cpu[name] = round(max(used, 0.0), 2)
    total = sum(cpu.values())
    cores = os.cpu_count() or 1
    wall = after["at"] - before["at"]
    return {"cpu_s": dict(sorted(cpu.items(), key=lambda item: -item[1])),
            "cpu_total_s": round(total, 2),
            "cpu_us_per_unit": round(1e6 * total / units, 1) if units else None,
            "machine_busy": round((after["busy"] - before["busy"]) / (cores * wall), 3)
            if wall > 0 else None,
            "cores": cores}
