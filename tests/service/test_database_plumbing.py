"""The database plumbing every service shares: `update_many` and `insert_many`, which write a
batch in one go, `among`, and the SQLite log checkpointed off the writers' path
(services/common/wal.py), alone and in a running service."""
import datetime as dt
import sqlite3

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    case,
    event,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.bulk import among, insert_many, insert_numbered, update_many, upsert_many
from services.common.events import new_event
from services.common.sessions import Database, make_engine
from services.common.statistics import StatisticsKeeper, statistics_lock
from services.common.wal import FALLBACK_PAGES, WalCheckpointer, database_file
from services.warnings.service import Service
from tests.support.broker import private_vhost
from tests.support.postgres import private_database
from tests.support.publish import publish_event
from tests.support.services import TASK, prepare, service_config
from tests.support.waiting import eventually


def twin_tables():
    metadata = MetaData()
    columns = lambda: [  # noqa: E731 — the same columns twice
        Column("code", String(32), primary_key=True), Column("day", Date),
        Column("moment", DateTime), Column("share", Float),
        Column("count", Integer, nullable=False)]
    return metadata, Table("by_sqlalchemy", metadata, *columns()), \
        Table("by_driver", metadata, *columns())


def stored_and_read(engine, *tables):
    """Each table's rows as stored (SQLite keeps dates and moments as text) and as
    read back, in the order of their codes."""
    with engine.connect() as connection:
        stored = [connection.exec_driver_sql(
            f"SELECT code, CAST(day AS TEXT), CAST(moment AS TEXT), share, count "
            f"FROM {table.name} ORDER BY code").all() for table in tables]
        read = [connection.execute(table.select().order_by(table.c.code)).all()
                for table in tables]
    return stored, read


@pytest.fixture
def engine(db_backend, tmp_path):
    engine = make_engine(db_backend or f"sqlite:///{tmp_path / 'plumbing.db'}")
    yield engine
    engine.dispose()


def test_update_many_writes_every_row_as_sqlalchemy_does(engine):
    metadata, ours, theirs = twin_tables()
    metadata.create_all(engine)
    start = [{"code": f"T{n}", "day": dt.date(2026, 1, 1), "moment": None, "share": 0.0,
              "count": n} for n in range(300)]
    # Some days and moments NULL, some moments on a whole second (which the driver
    # alone would store without the microseconds SQLAlchemy writes), some with an
    # offset (which SQLAlchemy leaves out).
    changes = [{"b_code": f"T{n}",
                "b_day": dt.date(2026, 10, 1) + dt.timedelta(days=n % 40) if n % 7 else None,
                "b_moment": (dt.datetime(2026, 10, 8, 9, 30, n % 60, 1000 * (n % 3),
                                         tzinfo=dt.UTC if n % 11 == 0 else None)
                             if n % 5 else None),
                # Whole numbers among the floats, as percentages arrive.
                "b_share": n / 3 if n % 4 else n, "b_add": n % 4} for n in range(0, 300, 2)]
    with Session(engine) as session, session.begin():
        session.execute(ours.insert(), start)
        session.execute(theirs.insert(), start)

    def update(table):
        return (table.update().where(table.c.code == bindparam("b_code"))
                .values(day=bindparam("b_day"), moment=bindparam("b_moment"),
                        share=bindparam("b_share"), count=table.c.count + bindparam("b_add")))

    with Session(engine) as session, session.begin():
        session.execute(update(ours), changes)
        update_many(session, update(theirs), changes)
        update_many(session, update(theirs), [])  # nothing to write: no statement
    stored, read = stored_and_read(engine, ours, theirs)
    assert stored[0] == stored[1]
    assert read[0] == read[1]
    changed = {row.code: row for row in read[1]}
    assert changed["T12"].moment == dt.datetime(2026, 10, 8, 9, 30, 12)
    assert changed["T12"].day == dt.date(2026, 10, 13) and changed["T10"].moment is None
    assert changed["T14"].day is None and changed["T15"].count == 15
    assert changed["T2"].count == 4 and changed["T2"].share == pytest.approx(2 / 3)
    assert changed["T4"].share == 4.0


def test_rows_naming_a_row_twice_apply_in_order(engine):
    # As a batch of reports with a task three times among others: each row adds
    # to the count, and the earliest day is kept whatever the order. On
    # PostgreSQL the rows go in rounds, a statement for each time a row is named
    # (three here), not one a row.
    metadata, _, table = twin_tables()
    metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.execute(table.insert(), [{"code": f"T{n}", "day": None, "count": 0}
                                         for n in range(1, 5)])
    statement = table.update().where(table.c.code == bindparam("b_code")).values(
        count=table.c.count + bindparam("b_add"),
        day=case((or_(table.c.day.is_(None), table.c.day > bindparam("b_day")),
                  bindparam("b_day")), else_=table.c.day))
    rows = [{"b_code": code, "b_add": add, "b_day": dt.date(2026, 10, day)}
            for code, add, day in (("T1", 1, 20), ("T2", 10, 3), ("T1", 2, 12),
                                   ("T3", 100, 9), ("T1", 4, 15), ("T2", 20, 1))]
    statements = []

    def seen(_connection, _cursor, statement, _parameters, _context, _executemany):
        if statement.startswith("UPDATE"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    with Session(engine) as session, session.begin():
        update_many(session, statement, rows, same_row_by=("b_code",))
    event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == (3 if engine.dialect.name == "postgresql" else 1)
    with engine.connect() as connection:
        found = {row.code: (row.count, row.day)
                 for row in connection.execute(table.select())}
    assert found == {"T1": (7, dt.date(2026, 10, 12)), "T2": (30, dt.date(2026, 10, 1)),
                     "T3": (100, dt.date(2026, 10, 9)), "T4": (0, None)}


def test_a_batch_is_written_in_one_go(engine):
    """One statement on PostgreSQL (the rows as arrays), one executemany on SQLite,
    however many rows."""
    metadata, _, table = twin_tables()
    metadata.create_all(engine)
    rows = [{"code": f"T{n}", "day": dt.date(2026, 10, 1), "moment": None,
             "share": n / 2, "count": n} for n in range(500)]
    statements = []

    def seen(_connection, _cursor, statement, _parameters, _context, executemany):
        if statement.startswith(("INSERT", "UPDATE")):
            statements.append(executemany)

    event.listen(engine, "before_cursor_execute", seen)
    with Session(engine) as session, session.begin():
        insert_many(session, table, rows)
        update_many(session, table.update().where(table.c.code == bindparam("b_code"))
                    .values(count=bindparam("b_count")),
                    [{"b_code": row["code"], "b_count": -row["count"]} for row in rows])
    event.remove(engine, "before_cursor_execute", seen)
    one_go = [False] if engine.dialect.name == "postgresql" else [True]
    assert statements == one_go * 2
    with engine.connect() as connection:
        assert connection.execute(select(func.sum(table.c.count))).scalar() == -124750


@pytest.mark.parametrize("codes", [["T3", "T5", "T404"], ["T7"], []])
def test_among_picks_what_in_picks(engine, codes):
    metadata, table, _ = twin_tables()
    metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.execute(table.insert(), [{"code": f"T{n}", "count": n} for n in range(10)])
    with Session(engine) as session:
        picked = session.execute(select(table.c.code).where(
            among(session, table.c.code, codes)).order_by(table.c.code)).scalars().all()
        assert picked == sorted(code for code in codes if code != "T404")


def test_among_is_one_statement_for_batches_of_any_size(engine):
    """Texts and integers go as one parameter, on SQLite as on PostgreSQL: a
    batch of a thousand is the statement a batch of three was, and picks by the
    column's type (quotes and Chinese in a code, whole numbers)."""
    metadata, table, _ = twin_tables()
    metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.execute(table.insert(), [{"code": code, "count": n} for n, code in
                                         enumerate(["T1", "T'2", "袁州区-3", "T4"])])
    statements = []

    def seen(_connection, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, len(parameters)))

    event.listen(engine, "before_cursor_execute", seen)
    with Session(engine) as session:
        def codes(values):
            return session.execute(select(table.c.code).where(
                among(session, table.c.code, values)).order_by(table.c.count)).scalars().all()

        assert codes(["T'2", "袁州区-3", "T9"]) == ["T'2", "袁州区-3"]
        assert codes(["T4"] + [f"X{n}" for n in range(999)]) == ["T4"]
        assert session.execute(select(table.c.code).where(
            among(session, table.c.count, [0, 3, 404])).order_by(table.c.count)
        ).scalars().all() == ["T1", "T4"]
    event.remove(engine, "before_cursor_execute", seen)
    (three, one), (thousand, also_one) = [seen for seen in statements
                                          if seen[0].startswith("SELECT")][:2]
    assert three == thousand and one == also_one == 1


def test_postgresql_is_told_its_pages_are_in_memory():
    # A service's database is small enough to stay cached: index lookups then win
    # over scanning a table to join a batch of a thousand rows.
    with private_database() as url:
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"
        finally:
            engine.dispose()


def test_postgresql_plans_each_query_for_the_values_it_is_given():
    """The driver prepares a statement run five times, and the server may then plan
    it once for any values. A ranking's query for the units with targets due in a
    period, all of a city's tasks active: planned for unknown values, it guessed
    one task not cancelled and walked the targets' due dates once for each of the
    others (5 s at a quarter city; 15 ms planned for its values)."""
    metadata = MetaData()
    tasks = Table("tasks", metadata, Column("code", String(32), primary_key=True),
                  Column("status", String(16), nullable=False))
    targets = Table("targets", metadata, Column("task", String(32), primary_key=True),
                    Column("seq", Integer, primary_key=True),
                    Column("unit", String(32), nullable=False),
                    Column("due_date", Date, nullable=False, index=True))
    with private_database() as url:
        engine = make_engine(url)
        try:
            metadata.create_all(engine)
            with engine.begin() as connection:
                connection.execute(tasks.insert(), [
                    {"code": f"T{n}", "status": "active"} for n in range(300)])
                connection.execute(targets.insert(), [
                    {"task": f"T{n}", "seq": month, "unit": f"U{n % 30}",
                     "due_date": dt.date(2026, month, 28)}
                    for n in range(300) for month in range(1, 13)])
                connection.exec_driver_sql("ANALYZE")
            query = (select(targets.c.unit).join(tasks, tasks.c.code == targets.c.task)
                     .where(targets.c.due_date.between(bindparam("start"), bindparam("end")),
                            tasks.c.status != bindparam("status")).distinct())
            with engine.connect() as connection:
                for _ in range(12):
                    assert len(connection.execute(query, {
                        "start": dt.date(2026, 10, 1), "end": dt.date(2026, 12, 31),
                        "status": "cancelled"}).all()) == 30
                plans = connection.exec_driver_sql(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE 'SELECT DISTINCT targets.unit%%'").one()
            assert plans.generic_plans == 0 and plans.custom_plans > 0
        finally:
            engine.dispose()


def test_insert_many_writes_every_row_as_sqlalchemy_does(engine):
    metadata, ours, theirs = twin_tables()
    metadata.create_all(engine)
    # Days and moments NULL or not, some moments on a whole second.
    rows = [{"code": f"T{n}", "day": dt.date(2026, 10, 1) + dt.timedelta(days=n) if n % 3 else None,
             "moment": dt.datetime(2026, 10, 8, 9, 30, n % 60, 1000 * (n % 2)) if n % 5 else None,
             "share": n / 7, "count": n} for n in range(200)]
    with Session(engine) as session, session.begin():
        session.execute(ours.insert(), rows)
        insert_many(session, theirs, rows)
        insert_many(session, theirs, [])  # nothing to write: no statement
    stored, read = stored_and_read(engine, ours, theirs)
    assert stored[0] == stored[1] and read[0] == read[1] and len(read[1]) == 200
    with pytest.raises(KeyError), Session(engine) as session:  # rows share their keys
        insert_many(session, theirs, [{"code": "T999", "count": 1}, {"code": "T998"}])


def test_insert_many_can_leave_out_the_keys_already_kept(engine):
    metadata, _, table = twin_tables()
    metadata.create_all(engine)
    kept = [{"code": f"T{n}", "day": dt.date(2026, 10, 1), "moment": None, "share": 1.0,
             "count": n} for n in range(10)]
    # Five kept keys with other values, five new, and a new key twice in the batch.
    again = [{"code": f"T{n}", "day": None, "moment": dt.datetime(2026, 11, 2, 9, 30),
              "share": 2.0, "count": -n} for n in range(5, 15)]
    again.append({**again[-1], "count": 99})
    with Session(engine) as session, session.begin():
        insert_many(session, table, kept)
        insert_many(session, table, again, skip_existing=True)
        insert_many(session, table, [], skip_existing=True)  # nothing to write
    with engine.connect() as connection:
        read = {row.code: row for row in connection.execute(table.select())}
    assert len(read) == 15
    assert [(read[f"T{n}"].count, read[f"T{n}"].share) for n in range(10)] == [
        (n, 1.0) for n in range(10)]  # the kept rows as they were
    assert [read[f"T{n}"].count for n in range(10, 15)] == [-10, -11, -12, -13, -14]
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        insert_many(session, table, again)  # without it, a kept key is refused


def test_insert_numbered_answers_each_row_its_new_key_in_order(engine):
    metadata = MetaData()
    table = Table("numbered", metadata, Column("id", Integer, primary_key=True),
                  Column("code", String(16), nullable=False), Column("day", Date))
    metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        first = insert_numbered(session, table, [{"code": "A", "day": None}])
        # A row numbered by a plain INSERT in between, and a batch whose codes
        # are not in the order of the keys they get.
        session.execute(table.insert().values(code="plain"))
        rows = [{"code": f"B{n:03d}", "day": dt.date(2026, 12, 1 + n % 28)}
                for n in reversed(range(300))]
        keys = insert_numbered(session, table, rows)
        assert insert_numbered(session, table, []) == []
    with engine.connect() as connection:
        stored = {row.id: (row.code, row.day) for row in connection.execute(table.select())}
    assert len(first) == 1 and stored[first[0]] == ("A", None)
    assert len(set(keys)) == 300 and min(keys) > first[0]
    assert [stored[key] for key in keys] == [(row["code"], row["day"]) for row in rows]
    assert len(stored) == 302


def test_upsert_many_inserts_new_keys_and_updates_the_others(engine):
    metadata, ours, theirs = twin_tables()
    metadata.create_all(engine)
    first = [{"code": f"T{n}", "day": dt.date(2026, 10, 1), "moment": None, "share": n / 7,
              "count": n} for n in range(100)]
    # Half of them again, changed (a NULL among them), and fifty new.
    again = [{"code": f"T{n}", "day": None if n == 60 else dt.date(2026, 11, 1),
              "moment": dt.datetime(2026, 11, 2, 9, 30), "share": n / 3, "count": -n}
             for n in range(50, 150)]
    with Session(engine) as session, session.begin():
        for rows in (first, again):
            # What it should come to: the keys' rows deleted and inserted afresh.
            session.execute(ours.delete().where(ours.c.code.in_([r["code"] for r in rows])))
            session.execute(ours.insert(), rows)
            upsert_many(session, theirs, rows)
        upsert_many(session, theirs, [])  # nothing to write: no statement
    stored, read = stored_and_read(engine, ours, theirs)
    assert stored[0] == stored[1] and read[0] == read[1] and len(read[1]) == 150
    sixty = next(row for row in read[1] if row.code == "T60")
    assert (sixty.count, sixty.day, sixty.share) == (-60, None, 20.0)


def test_a_json_list_is_one_value_of_its_row(engine):
    # On PostgreSQL the rows travel as arrays, one per column: a JSON value that
    # is a list must stay one element, not become a dimension of its own.
    metadata = MetaData()
    table = Table("with_json", metadata, Column("code", String(8), primary_key=True),
                  Column("dates", JSON, nullable=False))
    metadata.create_all(engine)
    rows = [{"code": "A", "dates": [{"due": "2026-11-30"}, {"due": "2026-12-31"}]},
            {"code": "B", "dates": [1, 2, 3]}, {"code": "C", "dates": []},
            {"code": "D", "dates": {"due": ["2026-12-31"]}}]
    with Session(engine) as session, session.begin():
        insert_many(session, table, rows)
        upsert_many(session, table, [{"code": "B", "dates": [[1], [2]]}])
    with engine.connect() as connection:
        stored = connection.execute(table.select().order_by(table.c.code)).all()
    assert [tuple(row) for row in stored] == [
        ("A", rows[0]["dates"]), ("B", [[1], [2]]), ("C", []), ("D", rows[3]["dates"])]


def test_only_a_sqlite_file_has_a_log_to_checkpoint(tmp_path):
    assert database_file(f"sqlite:///{tmp_path / 'a.db'}") == str(tmp_path / "a.db")
    assert database_file("sqlite://") is None
    assert database_file("sqlite:///:memory:") is None
    assert database_file("postgresql+psycopg://postgres@127.0.0.1/luoshi") is None


def write_pages(engine, pages, commits=4):
    """About `pages` pages of new rows, over several commits."""
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (body TEXT)")
    for _ in range(commits):
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO filler VALUES (?)",
                                       [("x" * 3000,) for _ in range(pages // commits)])


def test_commits_leave_the_log_to_the_checkpointer(tmp_path):
    path = tmp_path / "log.db"
    engine = make_engine(f"sqlite:///{path}", background_checkpoints=True)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() \
                == FALLBACK_PAGES
        write_pages(engine, 2000)  # twice SQLite's own threshold for a commit to copy
        checkpointer = WalCheckpointer(str(path))
        frames, copied = checkpointer.checkpoint()
        assert frames >= 2000  # no commit copied the log back
        assert copied == frames and checkpointer.last == (frames, copied)
        write_pages(engine, 40, commits=1)  # the log starts again from its beginning
        assert checkpointer.checkpoint()[0] < 100
    finally:
        engine.dispose()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM filler").fetchone() == (2040,)


def test_commits_copy_the_log_themselves_without_a_checkpointer(tmp_path):
    path = tmp_path / "log.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        write_pages(engine, 2000)
        frames, _ = WalCheckpointer(str(path)).checkpoint()
        assert frames < 2000
    finally:
        engine.dispose()


def test_a_running_service_checkpoints_its_log(container_factory, tmp_path):
    with private_vhost(prefix="wal_") as amqp_uri:
        config = service_config(amqp_uri, tmp_path)
        prepare(config, "warnings")
        container = container_factory(Service, config)
        container.start()
        (database,) = [dep for dep in container.dependencies if isinstance(dep, Database)]
        checkpointer = database.checkpointer
        assert checkpointer.path == str((tmp_path / "warnings.db").resolve())
        with entrypoint_waiter(container, "on_task_created"):
            publish_event(amqp_uri, "tasks", "task_created", new_event(task=TASK))

        def copied_all():
            frames, copied = checkpointer.last or (0, 0)
            return frames > 0 and copied == frames

        eventually(copied_all)
        container.stop()


def test_changed_tables_are_analysed_once(db_backend):
    """A table filled at once is analysed at the next look (the planner then
    knows its size), and not again until it changes by autovacuum's measure; of
    two replicas looking at once, one analyses."""
    if db_backend is None:
        pytest.skip("PostgreSQL's planner statistics")
    engine = make_engine(db_backend)
    try:
        metadata, _, table = twin_tables()
        metadata.create_all(engine)
        keeper = StatisticsKeeper(db_backend, statistics_lock("plumbing"))
        keeper.refresh()  # the tables as created

        def changes_counted(rows):
            # The server counts a transaction's changes a moment after it ends.
            with engine.connect() as connection:
                return connection.exec_driver_sql(
                    "SELECT n_mod_since_analyze FROM pg_stat_user_tables "
                    f"WHERE relname = '{table.name}'").scalar() >= rows

        def rows_known():
            with engine.connect() as connection:
                return connection.exec_driver_sql(
                    f"SELECT reltuples FROM pg_class WHERE relname = '{table.name}'").scalar()

        with engine.begin() as connection:
            connection.execute(table.insert(), [{"code": f"T{n}", "count": n}
                                                for n in range(2000)])
        eventually(lambda: changes_counted(2000))
        assert keeper.refresh() == [table.name]
        assert rows_known() == 2000
        with engine.begin() as connection:  # a twentieth of the table: not yet
            connection.execute(table.update().where(table.c.count < 100).values(day=None))
        eventually(lambda: changes_counted(100))
        assert keeper.refresh() == []
        with engine.begin() as connection:
            connection.execute(table.insert(), [{"code": f"U{n}", "count": n}
                                                for n in range(2000)])
        eventually(lambda: changes_counted(2100))
        with engine.begin() as connection:  # another replica at it now
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({keeper.key})")
            assert keeper.refresh() == []
        assert keeper.refresh() == [table.name]
        assert rows_known() == 4000
    finally:
        keeper.stop()
        engine.dispose()


def test_a_running_service_on_postgres_analyses_its_tables(container_factory, tmp_path):
    with private_vhost(prefix="stats_") as amqp_uri, private_database() as url:
        config = service_config(amqp_uri, tmp_path, {"warnings": url})
        prepare(config, "warnings")
        container = container_factory(Service, config)
        container.start()
        (database,) = [dep for dep in container.dependencies if isinstance(dep, Database)]
        assert database.checkpointer is None
        database.statistics.interval = 0.2
        # An import of a hundred tasks: more rows than autovacuum's fifty.
        with entrypoint_waiter(container, "on_tasks_imported"):
            publish_event(amqp_uri, "tasks", "tasks_imported", new_event(tasks=[
                {**TASK, "code": f"T{n}"} for n in range(100)]))
        engine = make_engine(url)
        try:
            def analysed():
                with engine.connect() as connection:
                    return connection.exec_driver_sql(
                        "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                        "WHERE relname = 'watched_tasks'").scalar()

            eventually(analysed)
        finally:
            engine.dispose()
        container.stop()
