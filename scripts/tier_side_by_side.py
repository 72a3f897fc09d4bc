"""Runs one test tier as several pytest processes side by side, one per core.

For the service tier, whose tests mostly wait on the broker and the database:
pytest-xdist cannot run it, because its workers run execnet on the main thread
only, and eventlet's monkey-patch (which nameko needs) then hangs them. Here
each process is a plain pytest over a share of the tier's files. Every test
already keeps its own vhost and databases, so the shares cannot meet.

    python scripts/tier_side_by_side.py --pytest "python -m pytest -q" tests/service

The files are shared out by their number of tests, the largest first, each to
the process with the fewest so far. Each process's output is printed whole
when it ends, not interleaved. The exit status is 0 when every share passed
(or held no tests, pytest's 5), else the first failing share's.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter

NO_TESTS = 5
FILE_COUNT = re.compile(r"(?P<path>\S+\.py): (?P<count>\d+)")


def collect(pytest: list[str], paths: list[str]) -> Counter:
    """Tests by file, as pytest itself collects them (parametrised ones counted
    once per case)."""
    listing = subprocess.run([*pytest, "--collect-only", "-q", *paths],
                             capture_output=True, text=True)
    if listing.returncode not in (0, NO_TESTS):
        sys.stdout.write(listing.stdout + listing.stderr)
        sys.exit(listing.returncode)
    counts = Counter()
    for line in listing.stdout.splitlines():
        # One node id a line ("path::test[case]"), or with -qq one file a line
        # ("path: 12"), depending on the -q the command already holds.
        if "::" in line:
            counts[line.split("::", 1)[0]] += 1
        elif (by_file := FILE_COUNT.fullmatch(line.strip())):
            counts[by_file["path"]] += int(by_file["count"])
    return counts


def share_out(counts: Counter, shares: int) -> list[list[str]]:
    groups: list[list[str]] = [[] for _ in range(shares)]
    sizes = [0] * shares
    for path, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        lightest = sizes.index(min(sizes))
        groups[lightest].append(path)
        sizes[lightest] += count
    return [sorted(group) for group in groups if group]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pytest", required=True, help="the pytest command, quoted")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    pytest = shlex.split(args.pytest)
    counts = collect(pytest, args.paths)
    if not counts:
        print(f"no tests in {' '.join(args.paths)}")
        return NO_TESTS
    groups = share_out(counts, max(1, args.processes))
    started = time.monotonic()
    running = []
    for group in groups:
        log = tempfile.TemporaryFile(mode="w+")
        running.append((group, log, subprocess.Popen([*pytest, *group], stdout=log,
                                                     stderr=subprocess.STDOUT)))
    status = 0
    for number, (group, log, process) in enumerate(running, 1):
        code = process.wait()
        log.seek(0)
        print(f"--- share {number} of {len(running)}: {sum(counts[p] for p in group)} tests "
              f"in {len(group)} files, exit {code}")
        sys.stdout.write(log.read())
        log.close()
        if code not in (0, NO_TESTS) and status == 0:
            status = code
    print(f"--- {len(running)} shares, {sum(counts.values())} tests, "
          f"{time.monotonic() - started:.0f} s side by side")
    return status


if __name__ == "__main__":
    sys.exit(main())
