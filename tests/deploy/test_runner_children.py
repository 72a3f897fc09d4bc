"""The runner's children die with it, however it dies: a platform killed by a
timeout leaves no service behind holding ports, queues and CPU."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.support.waiting import eventually

PARENT = textwrap.dedent("""
    import subprocess, sys
    from deploy.run import die_with_parent
    child = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"],
                             preexec_fn=die_with_parent)
    print(child.pid, flush=True)
    child.wait()
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_child_is_stopped_when_its_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE,
                              text=True, cwd=os.getcwd())
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    eventually(lambda: not _alive(child), timeout=10)


def _alive(pid):
    # A child whose parent died is reparented and reaped by init; until then it
    # is a zombie, which counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False
