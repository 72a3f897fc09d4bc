"""A RabbitMQ virtual host of its own for each test run, removed afterwards.

Created with `rabbitmqctl` when this machine runs the broker, else through the
management API; a run never shares queues with another run or with a live system.
"""
import json
import os
import shutil
import signal
import subprocess
import urllib.request
import uuid
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

DEFAULT = "amqp://guest:guest@127.0.0.1:5672/"


def base_uri():
    return os.environ.get("LUOSHI_TEST_AMQP_URI") or os.environ.get("LUOSHI_AMQP_URI") or DEFAULT


def _ctl(*args):
    process = subprocess.Popen(["rabbitmqctl", "-q", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        _out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        # The CLI is an Erlang node under `su`: killing only the child we started
        # leaves the node running, holding one of the ten distribution ports the
        # CLI may use. Ten left behind, and no rabbitmqctl on the machine works.
        _kill_tree(process.pid)
        process.communicate()
        raise
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, "rabbitmqctl", stderr=err)


def _kill_tree(root):
    """SIGKILL `root` and every process descended from it (read from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    # pid (comm) state ppid ...: comm may hold spaces, so split after ")".
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    doomed, found = {root}, True
    while found:
        found = {pid for pid, ppid in parents.items() if ppid in doomed} - doomed
        doomed |= found
    for pid in doomed:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _api(method, path, uri):
    parts = urlsplit(uri)
    url = f"http://{parts.hostname}:15672/api/{path}"
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "PUT" else None,
                                     headers={"content-type": "application/json"})
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, url, parts.username or "guest", parts.password or "guest")
    opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(manager))
    with opener.open(request, timeout=30) as answer:
        return answer.read()


def _create(name, user, uri):
    if shutil.which("rabbitmqctl"):
        try:
            _ctl("add_vhost", name)
            _ctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
            return "ctl"
        except (subprocess.SubprocessError, OSError):
            pass
    try:
        _api("PUT", f"vhosts/{quote(name, safe='')}", uri)
        _api("PUT", f"permissions/{quote(name, safe='')}/{user}", uri)
        return "api"
    except OSError as exc:
        raise RuntimeError(
            "cannot create a RabbitMQ vhost for the tests: run them where `rabbitmqctl` "
            "works (as root or the rabbitmq user) or enable the management plugin "
            f"(`rabbitmq-plugins enable rabbitmq_management`): {exc}"
        ) from exc


def _delete(name, how, uri):
    try:
        if how == "ctl":
            _ctl("delete_vhost", name)
        else:
            _api("DELETE", f"vhosts/{quote(name, safe='')}", uri)
    except (subprocess.SubprocessError, OSError):
        pass  # a leftover test vhost harms nothing; never fail a run on cleanup


@contextmanager
def private_vhost(prefix="luoshi-test-"):
    """Yield the AMQP URI of a fresh vhost named `prefix` + a random suffix;
    delete the vhost afterwards."""
    uri = base_uri()
    parts = urlsplit(uri)
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    how = _create(name, parts.username or "guest", uri)
    try:
        yield urlunsplit(parts._replace(path="/" + quote(name, safe="")))
    finally:
        _delete(name, how, uri)


def queue_depths(uri):
    """{queue: messages} of the vhost (via rabbitmqctl), for diagnostics."""
    return {name: state["messages"] for name, state in queue_states(uri).items()}


def queue_states(uri):
    """{queue: {"messages", "ready", "unacked", "consumers"}} of the vhost (via
    rabbitmqctl): whether a queue's messages wait for a consumer or sit with one."""
    vhost = urlsplit(uri).path.lstrip("/")
    answer = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "messages",
         "messages_ready", "messages_unacknowledged", "consumers", "--formatter", "json"],
        capture_output=True, timeout=60, text=True)
    # The CLI fails now and then on a busy node: a reason to ask again (for
    # `eventually`), not to give up.
    assert answer.returncode == 0, (
        f"rabbitmqctl list_queues exited with {answer.returncode}: "
        f"{(answer.stderr or answer.stdout).strip()[-500:]}")
    out = answer.stdout
    return {row["name"]: {"messages": row["messages"], "ready": row["messages_ready"],
                          "unacked": row["messages_unacknowledged"],
                          "consumers": row["consumers"]}
            for row in json.loads(out)}
