"""What the gateway keeps between requests to spare the services: unit names, and
the one screen's answer for a few seconds. The app holds one of each
(app.state.unit_names, app.state.dashboard)."""
import threading
import time

from .rpc import all_items


class UnitNames:
    """Unit names by code, asked of the tasks service again when a board names a
    unit not seen yet, when this gateway renamed or merged a unit (`forget`), or
    once they are `max_age` seconds old (a unit renamed through another replica),
    so the one screen under many readers costs one RPC, not two."""

    def __init__(self, max_age: float = 60.0):
        self._names: dict = {}
        self._asked = 0.0
        self.max_age = max_age

    def forget(self) -> None:
        self._asked = 0.0

    def for_codes(self, codes, rpc, caller) -> dict:
        stale = time.monotonic() - self._asked >= self.max_age
        if stale or not set(codes) <= self._names.keys():
            asked = time.monotonic()
            fetched = {unit["code"]: unit["name"]
                       for unit in all_items(rpc.tasks.list_units, caller=caller.as_rpc())}
            self._names = {**self._names, **fetched}  # swapped whole: readers never lock
            self._asked = asked
        return self._names


class SharedBoard:
    """The one screen's answer, shared by everyone who reads it within `seconds`:
    a wall of big screens and the leaders' phones polling it cost the services one
    RPC a window, not one a reader. The board is the same for every caller (city
    wide counts), so sharing it reveals nothing. 0 asks the services every time."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._kept = None  # (monotonic time it was asked, JSON body)

    def fresh(self) -> bytes | None:
        """The board if one younger than the window is at hand, else None."""
        kept = self._kept
        if kept is not None and time.monotonic() - kept[0] < self.seconds:
            return kept[1]
        return None

    def read(self, ask) -> bytes:
        if self.seconds <= 0:
            return ask()
        body = self.fresh()
        if body is None:
            with self._lock:  # one reader asks; those arriving meanwhile wait for it
                body = self.fresh()
                if body is None:
                    asked = time.monotonic()
                    body = ask()
                    self._kept = (asked, body)
        return body


class KnownCallers:
    """Who a credential (a token's or an API key's digest) belongs to, kept for
    `seconds`: a wall of screens polling the one screen would otherwise cost a
    database query and a worker thread each request, which is most of what such
    a request costs. A change of users, tokens or keys made through this gateway
    forgets every entry once committed; one made through another gateway
    replica reaches this one within `seconds`. 0 keeps nothing.

    `generation` tells a lookup that began before a change from one that began
    after it: only the latter may keep what it found."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._known: dict = {}
        self.generation = 0

    def get(self, digest: str):
        found = self._known.get(digest)
        if found is None or time.monotonic() - found[0] >= self.seconds:
            return None
        return found[1]

    def keep(self, digest: str, known, generation: int) -> None:
        if self.seconds <= 0 or generation != self.generation:
            return
        if len(self._known) >= 10_000:  # a flood of distinct credentials
            self._known = {}
        self._known[digest] = (time.monotonic(), known)

    def forget(self) -> None:
        self.generation += 1
        self._known = {}
