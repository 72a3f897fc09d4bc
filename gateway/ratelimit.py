"""Requests a minute per user, per API key and, for callers not signed in, per
address: a token bucket for each, answered 429 with Retry-After when empty.

The buckets live in the memory of one gateway process. With several replicas
behind a load balancer each replica keeps its own buckets, so a client spread
evenly over N replicas may make up to N times the configured rate; a restart
refills every bucket. That is the intended trade: the limit protects the
services from a runaway client, not a quota to be billed, and it costs no
database write per request. A deployment that needs one exact limit across
replicas enforces it in the ingress in front of them.
"""
import math
import threading
import time
from collections.abc import Callable

from fastapi import HTTPException, status

from .messages import message

# Past this many buckets, those that have refilled completely (idle clients)
# are dropped, so a flood of addresses cannot grow the table without bound.
MAX_BUCKETS = 10_000


class RateLimited(HTTPException):
    """429, coded `rate_limited` in the gateway's words, with Retry-After."""

    def __init__(self, retry_after: int):
        super().__init__(status.HTTP_429_TOO_MANY_REQUESTS,
                         message("rate_limited", seconds=retry_after),
                         headers={"Retry-After": str(retry_after)})


class RateLimiter:
    """`per_minute` requests a minute for each identity, in bursts of up to
    `per_minute`; 0 means no limit. Safe to share between threads."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        # identity -> (tokens left, when they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, identity: str) -> None:
        """Spend one request of `identity`'s allowance; RateLimited when none is left."""
        if not self.per_minute:
            return
        rate = self.per_minute / 60
        now = self._clock()
        with self._lock:
            tokens, counted_at = self._buckets.get(identity, (self.per_minute, now))
            tokens = min(self.per_minute, tokens + (now - counted_at) * rate)
            if tokens < 1:
                self._buckets[identity] = (tokens, now)
                raise RateLimited(max(1, math.ceil((1 - tokens) / rate)))
            self._buckets[identity] = (tokens - 1, now)
            if len(self._buckets) > MAX_BUCKETS:
                self._forget_idle(now, rate)

    def _forget_idle(self, now: float, rate: float) -> None:
        full = [identity for identity, (tokens, counted_at) in self._buckets.items()
                if tokens + (now - counted_at) * rate >= self.per_minute]
        for identity in full:
            del self._buckets[identity]
