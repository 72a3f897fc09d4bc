"""Leases and timer runs: which replica does a piece of work that must be done
once, however many run."""
import datetime as dt

from sqlalchemy import select

from .bulk import insert_ignoring_conflicts
from .clock import real_utcnow, utcnow
from .tables import leases, timer_runs


def claim_timer_run(session, job, period, holder):
    """True for exactly one caller per (job, period), however many replicas ask."""
    return insert_ignoring_conflicts(
        session, timer_runs,
        [{"job": job, "period": period, "holder": holder, "started_at": utcnow()}],
    ) == 1


def timer_run_claimed(session, job, period):
    """Whether some caller has claimed (job, period) already: a cheap check before
    work that must not be done inside the claiming transaction."""
    return session.execute(select(timer_runs.c.holder).where(
        timer_runs.c.job == job, timer_runs.c.period == period)).first() is not None


def hold_lease(session, name, holder, seconds):
    """Take or renew the lease `name` for `holder`. True while it holds it."""
    table = leases
    # Real time: a lease runs out when its holder stops renewing it, however the
    # platform's clock is set (a test that pins the day still sees a killed
    # replica's lease run out).
    now = real_utcnow()
    insert_ignoring_conflicts(
        session, table, [{"name": name, "holder": holder, "expires_at": now}]
    )
    result = session.execute(
        table.update()
        .where(table.c.name == name)
        .where((table.c.holder == holder) | (table.c.expires_at < now))
        .values(holder=holder, expires_at=now + dt.timedelta(seconds=seconds))
    )
    return result.rowcount == 1
