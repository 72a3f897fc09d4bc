"""The warnings service's migrations on a database that already holds data: the
rows survive, both ways, on SQLite and on PostgreSQL."""
from contextlib import contextmanager

from alembic import command
from sqlalchemy import inspect, text

from services.common.sessions import make_engine
from services.launch.migrate import alembic_config

TASKS = [("T1", "yz", "active", "2026-01-01", "2026-12-31", 40.0, 3),
         ("T2", "xz", "active", "2026-02-01", "2026-11-30", 10.0, 1)]
TARGETS = [("T1", 1, "2026-06-30", 50.0, "yz"), ("T1", 2, "2026-12-31", 100.0, "yz"),
           ("T2", 1, "2026-11-30", 100.0, "xz")]
COLOURS = [("target", "T1#1", "T1", "yz", "yellow", "延期推进：逾期", "2026-07-01", 1),
           ("target", "T1#2", "T1", "yz", "green", "如期推进", "2026-06-01", 1),
           ("task", "T1", "T1", "yz", "yellow", "延期推进：【目标1】逾期", "2026-07-01", 1),
           ("task", "T2", "T2", "xz", "red", "严重延期：三个月无进展", "2026-05-02", 2)]


def database(tmp_path, db_backend):
    return db_backend or f"sqlite:///{tmp_path / 'warnings.db'}"


def fill(engine):
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO watched_tasks (code, lead_unit, status, start_date, due_date, "
            "percent, reports_applied) VALUES (:code, :unit, :status, :start, :due, "
            ":percent, :applied)"),
            [dict(zip(("code", "unit", "status", "start", "due", "percent", "applied"), row,
                      strict=True)) for row in TASKS])
        connection.execute(text(
            "INSERT INTO watched_targets (task_code, seq, due_date, planned_percent, unit) "
            "VALUES (:task, :seq, :due, :planned, :unit)"),
            [dict(zip(("task", "seq", "due", "planned", "unit"), row, strict=True))
             for row in TARGETS])
        connection.execute(text(
            "INSERT INTO colours (item_kind, item_key, task_code, unit, colour, reason, "
            "since, rule_version) VALUES (:kind, :key, :task, :unit, :colour, :reason, "
            ":since, :version)"),
            [dict(zip(("kind", "key", "task", "unit", "colour", "reason", "since",
                       "version"), row, strict=True)) for row in COLOURS])


def contents(engine):
    with engine.connect() as connection:
        return {
            "tasks": sorted(tuple(row) for row in connection.execute(text(
                "SELECT code, lead_unit, status, percent, reports_applied FROM watched_tasks"))),
            "targets": sorted(tuple(row) for row in connection.execute(text(
                "SELECT task_code, seq, planned_percent, unit FROM watched_targets"))),
            "colours": sorted(tuple(row) for row in connection.execute(text(
                "SELECT item_kind, item_key, task_code, unit, colour, reason, rule_version "
                "FROM colours"))),
        }


def indexes(engine):
    return {index["name"] for index in inspect(engine).get_indexes("colours")}


@contextmanager
def filled_at(tmp_path, db_backend, revision):
    """A database migrated to `revision` and filled: (its alembic config, an
    engine, its contents)."""
    url = database(tmp_path, db_backend)
    config = alembic_config("warnings", {"LUOSHI_WARNINGS_DB_URL": url})
    command.upgrade(config, revision)
    engine = make_engine(url)
    try:
        fill(engine)
        yield config, engine, contents(engine)
    finally:
        engine.dispose()


def test_merging_the_colour_indexes_keeps_every_row_both_ways(tmp_path, db_backend):
    with filled_at(tmp_path, db_backend, "0004") as (config, engine, before):
        command.upgrade(config, "0005")
        assert contents(engine) == before
        assert indexes(engine) == {"ix_colours_unit_colour", "ix_colours_task_code",
                                   "ix_colours_kind_colour_unit"}

        command.downgrade(config, "0004")
        assert contents(engine) == before
        assert indexes(engine) == {"ix_colours_unit_colour", "ix_colours_task_code",
                                   "ix_colours_kind_colour", "ix_colours_kind_unit_colour"}


def test_the_ranges_that_hold_come_and_go_with_every_row_kept(tmp_path, db_backend):
    holds = {"holds_on", "holds_rules", "holds_from", "holds_below"}
    with filled_at(tmp_path, db_backend, "0005") as (config, engine, before):
        command.upgrade(config, "0006")
        assert contents(engine) == before
        columns = {column["name"] for column in inspect(engine).get_columns("watched_tasks")}
        assert holds <= columns
        with engine.connect() as connection:  # nothing holds until judged again
            assert connection.execute(text(
                "SELECT count(*) FROM watched_tasks WHERE holds_on IS NOT NULL")).scalar() == 0

        command.downgrade(config, "0005")
        assert contents(engine) == before
        assert not holds & {column["name"]
                            for column in inspect(engine).get_columns("watched_tasks")}
        assert indexes(engine) == {"ix_colours_unit_colour", "ix_colours_task_code",
                                   "ix_colours_kind_colour_unit"}


def test_the_unit_index_leaves_the_colour_out_with_every_row_kept(tmp_path, db_backend):
    with filled_at(tmp_path, db_backend, "0006") as (config, engine, before):
        command.upgrade(config, "0007")
        assert contents(engine) == before
        assert indexes(engine) == {"ix_colours_unit_kind", "ix_colours_task_code",
                                   "ix_colours_kind_colour_unit"}
        if engine.dialect.name == "sqlite":
            # A unit's warnings of one colour are still found through the index.
            with engine.connect() as connection:
                plan = " ".join(row[-1] for row in connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT item_kind, item_key FROM colours "
                    "WHERE unit = 'yz' AND colour = 'red' ORDER BY since, item_key"))
            assert "ix_colours_unit_kind" in plan, plan

        command.downgrade(config, "0006")
        assert contents(engine) == before
        assert indexes(engine) == {"ix_colours_unit_colour", "ix_colours_task_code",
                                   "ix_colours_kind_colour_unit"}


def fillfactors(engine):
    """{table: its storage options} of the tables updated most, on PostgreSQL."""
    with engine.connect() as connection:
        return dict(connection.exec_driver_sql(
            "SELECT relname, reloptions FROM pg_class "
            "WHERE relname IN ('colours', 'watched_tasks')").all())


def test_room_to_update_in_place_comes_and_goes_with_every_row_kept(tmp_path, db_backend):
    with filled_at(tmp_path, db_backend, "0007") as (config, engine, before):
        command.upgrade(config, "0008")
        assert contents(engine) == before
        if engine.dialect.name == "postgresql":
            assert fillfactors(engine) == {"colours": ["fillfactor=50"],
                                           "watched_tasks": ["fillfactor=50"]}

        command.downgrade(config, "0007")
        assert contents(engine) == before
        if engine.dialect.name == "postgresql":
            assert fillfactors(engine) == {"colours": None, "watched_tasks": None}


def test_the_tasks_finished_before_get_the_day_their_colour_was_last_set(tmp_path, db_backend):
    with filled_at(tmp_path, db_backend, "0016") as (config, engine, _):
        with engine.begin() as connection:
            connection.execute(text("UPDATE watched_tasks SET status = 'closed' "
                                    "WHERE code = 'T2'"))
        before = contents(engine)
        command.upgrade(config, "0017")
        assert contents(engine) == before
        with engine.connect() as connection:
            finished = dict(connection.execute(text(
                "SELECT code, finished_on FROM watched_tasks")).tuples().all())
        assert {code: str(day) if day else None for code, day in finished.items()} == {
            "T1": None, "T2": "2026-05-02"}

        command.downgrade(config, "0016")
        assert contents(engine) == before
        assert "finished_on" not in {column["name"]
                                     for column in inspect(engine).get_columns("watched_tasks")}
