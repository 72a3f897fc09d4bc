"""PostgreSQL's planner statistics, kept up to date by the service that owns the
tables.

PostgreSQL plans each query by what it knows of the tables: how many rows, how
their values spread. Its autovacuum gathers that (ANALYZE) once a table has
changed by a tenth since it last looked, but only when its round comes (a minute
apart by default), and never on a server run with autovacuum off. A city's
import fills a service's tables in seconds; until they are analysed, queries are
planned as if the tables were as small as they were, and walk an index once for
each of tens of thousands of rows (the ranking's scoring read of a city's first
colours: 320 ms as a nested loop, 60 ms analysed; bench/planner_statistics.py).
So each service looks, every INTERVAL seconds, for its own tables that have
changed by autovacuum's own measure, and analyses them itself, as the WAL
checkpointer (wal.py) looks after SQLite's log. Where autovacuum has been round
first, there is nothing left to do.
"""
import logging
import threading
import zlib

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

INTERVAL = 5.0  # seconds between looks
# autovacuum's own defaults: a table is analysed once more rows than this
# number and share of it have changed since it last was.
CHANGED_ROWS, CHANGED_SHARE = 50, 0.1

_CHANGED = text("""
SELECT s.schemaname, s.relname
FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
WHERE s.schemaname = ANY (current_schemas(false))
  AND s.n_mod_since_analyze > :rows + :share * greatest(c.reltuples, 0)
ORDER BY s.relname""")


class StatisticsKeeper:
    """Analyses the changed tables of the PostgreSQL database at `url`, every
    `interval` seconds until stopped, on a connection of its own (the service's
    pool and its statements are left to its workers). `key` names the service's
    advisory lock, so that of several replicas one looks at a time."""

    def __init__(self, url, key, interval=INTERVAL):
        self.engine = create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True)
        self.key = key
        self.interval = interval
        self._stopped = threading.Event()

    def refresh(self):
        """ANALYZE each table changed enough since it was last analysed. Answers
        the tables' names; none while another replica is at it."""
        with self.engine.begin() as connection:
            if not connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                      {"key": self.key}).scalar():
                return []
            changed = connection.execute(
                _CHANGED, {"rows": CHANGED_ROWS, "share": CHANGED_SHARE}).all()
            quote = connection.dialect.identifier_preparer.quote
            for schema, table in changed:
                connection.exec_driver_sql(f"ANALYZE {quote(schema)}.{quote(table)}")
        return [table for _, table in changed]

    def run(self):
        """Look and analyse until stopped."""
        while not self._stopped.wait(self.interval):
            try:
                self.refresh()
            except SQLAlchemyError as exc:  # the database away a moment: the next look retries
                log.warning("statistics not refreshed: %s", exc)

    def stop(self):
        self._stopped.set()
        self.engine.dispose()


def statistics_lock(service_name):
    """The key of a service's advisory lock for analysing its tables."""
    return zlib.crc32(f"luoshi-{service_name}-statistics".encode())
