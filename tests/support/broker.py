"""A RabbitMQ virtual host of its own for each test run, removed afterwards.

Created with `rabbitmqctl` when this machine runs the broker, else through the
management API; a run never shares queues with another run or with a live system.
"""
import atexit
import json
import os
import re
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


class _Batches:
    """Vhosts made and removed `SIZE` at a time, by one `rabbitmqctl eval` each.

    Each CLI call starts an Erlang node, most of a second of the machine's time;
    three a test (add, permit, delete) came to a quarter of an hour in the service
    tier alone. A vhost is still used by one test only: a batch is made ahead,
    handed out one by one, and the used ones are removed together, the rest when
    the process ends. Where `eval` is refused (another broker, no local CLI), each
    vhost is made and removed on its own as before.

    Removing a vhost also removes its quorum queues, seconds of the broker's work
    for a batch; the tests go on meanwhile (one removal at a time), and the
    process waits for the last one before it ends.
    """
    SIZE = 16
    SAFE = re.compile(r"[A-Za-z0-9_.-]+")

    def __init__(self):
        self.ready = {}   # (prefix, user) -> names made and not yet handed out
        self.used = []
        self.removing = None  # the CLI removing the last batch, if it may still run
        self.works = bool(shutil.which("rabbitmqctl"))
        self.owner = os.getpid()
        atexit.register(self.close)

    def take(self, prefix, user):
        if not (self.works and self.SAFE.fullmatch(prefix + user)):
            return None
        ready = self.ready.setdefault((prefix, user), [])
        if not ready:
            names = [f"{prefix}{uuid.uuid4().hex[:10]}" for _ in range(self.SIZE)]
            if not self._eval(
                    "[begin ok = rabbit_vhost:add(N, <<\"luoshi-tests\">>), "
                    f"ok = rabbit_auth_backend_internal:set_permissions(<<\"{user}\">>, N, "
                    "<<\".*\">>, <<\".*\">>, <<\".*\">>, <<\"luoshi-tests\">>) end "
                    f"|| N <- {self._list(names)}], ok."):
                self.works = False
                return None
            ready.extend(names)
        return ready.pop()

    def give_back(self, name):
        self.used.append(name)
        if len(self.used) >= self.SIZE:
            self._remove(self.used)
            self.used = []

    def close(self):
        if os.getpid() != self.owner:
            return  # a forked child's exit must not remove its parent's vhosts
        left = self.used + [name for names in self.ready.values() for name in names]
        self.used, self.ready = [], {}
        if left:
            self._remove(left)
        self._wait_for_removal()

    def _remove(self, names):
        self._wait_for_removal()
        self.removing = subprocess.Popen(
            ["rabbitmqctl", "-q", "eval", "[rabbit_vhost:delete(N, <<\"luoshi-tests\">>) "
             f"|| N <- {self._list(names)}], ok."],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _wait_for_removal(self):
        if self.removing is None:
            return
        try:
            self.removing.wait(timeout=120)
        except subprocess.TimeoutExpired:
            _kill_tree(self.removing.pid)  # see _ctl: a stuck CLI holds a port
            self.removing.wait()
        # A leftover test vhost harms nothing; never fail a run on cleanup.
        self.removing = None

    @staticmethod
    def _list(names):
        return "[" + ", ".join(f'<<"{name}">>' for name in names) + "]"

    @staticmethod
    def _eval(expression):
        try:
            _ctl("eval", expression)
            return True
        except (subprocess.SubprocessError, OSError):
            return False


_batches = _Batches()


@contextmanager
def private_vhost(prefix="luoshi-test-"):
    """Yield the AMQP URI of a fresh vhost named `prefix` + a random suffix;
    delete the vhost afterwards."""
    uri = base_uri()
    parts = urlsplit(uri)
    user = parts.username or "guest"
    name = _batches.take(prefix, user)
    how = "batch"
    if name is None:
        name = f"{prefix}{uuid.uuid4().hex[:10]}"
        how = _create(name, user, uri)
    try:
        yield urlunsplit(parts._replace(path="/" + quote(name, safe="")))
    finally:
        if how == "batch":
            _batches.give_back(name)
        else:
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
