"""The notify service's migrations on a database that already holds data, on
SQLite and on PostgreSQL: escalation ladders stopped in English words take the
codes the portal shows in Chinese, and get their words back on the way down."""
import datetime as dt

from alembic import command
from sqlalchemy import text

from services.common.sessions import make_engine
from services.launch.migrate import alembic_config

AT = dt.datetime(2026, 11, 3, 2, 0)
# (item, stopped_reason) as the service stopped ladders before the codes.
STOPPED = [("task:T1", "turned green"), ("task:T2", "turned yellow"),
           ("task:T3", "acknowledged by op_yz"), ("notice:5", "answered"),
           ("notice:6", "acknowledged"), ("task:T4", "cancelled"), ("task:T5", None)]


def ladders(engine, by=True):
    columns = "item, stopped_reason" + (", stopped_by" if by else "")
    with engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in connection.execute(
            text(f"SELECT {columns} FROM escalations"))}


def test_ladders_stopped_in_english_words_take_codes_and_who_both_ways(tmp_path, db_backend):
    url = db_backend or f"sqlite:///{tmp_path / 'notify.db'}"
    config = alembic_config("notify", {"LUOSHI_NOTIFY_DB_URL": url})
    command.upgrade(config, "0019")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO escalations (item, unit, label, level, status, stopped_reason, "
                "history, created_at, updated_at) VALUES (:item, 'yz', '「任务」红色预警', 0, "
                ":status, :reason, '[]', :at, :at)"),
                [{"item": item, "reason": reason, "at": AT,
                  "status": "stopped" if reason else "open"} for item, reason in STOPPED])
        before = ladders(engine, by=False)

        command.upgrade(config, "0020")
        assert ladders(engine) == {
            "task:T1": ("turned_green", None), "task:T2": ("turned_yellow", None),
            "task:T3": ("acknowledged", "op_yz"), "notice:5": ("answered", None),
            "notice:6": ("acknowledged", None), "task:T4": ("cancelled", None),
            "task:T5": (None, None)}

        command.downgrade(config, "0019")
        assert ladders(engine, by=False) == before
    finally:
        engine.dispose()
