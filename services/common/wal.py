"""SQLite's write-ahead log, copied back into the database file off the writers'
path.

A commit in WAL mode appends its pages to the log. By default the commit that
takes the log past 1,000 pages then copies the whole log into the database file
and syncs both files before it returns: at a city's scale that is about 15 ms of
a 1,000-report batch, paid by whichever commit comes along. A service keeps this
out of its writers: its engine lets the log grow to FALLBACK_PAGES before a
commit checkpoints it, and a WalCheckpointer, in a native thread of its own,
checkpoints every INTERVAL seconds without waiting for readers or writers
(SQLite's PASSIVE checkpoint), as PostgreSQL's checkpointer does for its server.
"""
import logging
import sqlite3
import threading
from contextlib import closing, contextmanager

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

INTERVAL = 0.5  # seconds between checkpoints
# A commit still checkpoints the log itself past this many pages (about 40 MB),
# should the checkpointer fall behind or not run at all.
FALLBACK_PAGES = 10_000


def database_file(url):
    """The file of a SQLite URL; None for another database or one in memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


class WalCheckpointer:
    """Checkpoints one SQLite file's log, every `interval` seconds until stopped."""

    def __init__(self, path, interval=INTERVAL):
        self.path = path
        self.interval = interval
        self.last = None  # (frames in the log, frames copied) at the last checkpoint
        self._stopped = threading.Event()

    def checkpoint(self):
        """One passive checkpoint, on a connection of its own (so that it may run
        in any thread). Answers (frames in the log, frames copied into the file)."""
        with closing(sqlite3.connect(self.path, timeout=5, isolation_level=None)) as connection:
            connection.execute("PRAGMA synchronous=NORMAL")
            _, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.last = (frames, copied)
        return self.last

    def run(self, call=lambda checkpoint: checkpoint()):
        """Checkpoint until stopped. `call` runs each checkpoint: in a service,
        eventlet's tpool.execute, so that the copy and its syncs happen in a native
        thread while the green ones go on working."""
        while not self._stopped.wait(self.interval):
            try:
                call(self.checkpoint)
            except sqlite3.Error as exc:  # a busy or locked file: the next round retries
                log.warning("checkpoint of %s failed: %s", self.path, exc)

    def stop(self):
        self._stopped.set()


@contextmanager
def checkpointing(url):
    """Checkpoint the SQLite file of `url` from a native thread while the block
    runs, in a process without eventlet (the benches); nothing for another
    database."""
    path = database_file(url)
    if path is None:
        yield
        return
    checkpointer = WalCheckpointer(path)
    thread = threading.Thread(target=checkpointer.run, name="wal-checkpointer", daemon=True)
    thread.start()
    try:
        yield
    finally:
        checkpointer.stop()
        thread.join()
