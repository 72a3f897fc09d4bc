"""Every service's migrations and the gateway's, one revision at a time up to head and back down,
on a database that holds data: each table that exists on both sides of a step
keeps its rows, on SQLite and on PostgreSQL. The rows are made from the tables
as they stand at each revision (one a table, every column filled), so a new
migration is covered without editing this test; tests/service/
test_warnings_migrations.py checks the warnings rows' values in detail."""
import datetime as dt
import decimal

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, func, select

from services.common.sessions import make_engine
from services.launch.migrate import PARTS, alembic_config
from tests.support.postgres import private_database

# One value a Python type: a foreign key then names the row its parent table got.
SAMPLES = {str: "x", int: 1, float: 1.5, bool: True, bytes: b"x",
           decimal.Decimal: decimal.Decimal(1), dt.date: dt.date(2026, 11, 2),
           dt.datetime: dt.datetime(2026, 11, 2, 9, 30), dict: {"k": 1}, list: [1]}


def sample(column):
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return None
    return SAMPLES.get(kind)


def tables(connection):
    metadata = MetaData()
    metadata.reflect(connection)
    return [table for table in metadata.sorted_tables if table.name != "alembic_version"]


def fill_empty(engine):
    """One row in each table that has none, parents before children."""
    with engine.begin() as connection:
        for table in tables(connection):
            if connection.scalar(select(func.count()).select_from(table)) == 0:
                connection.execute(table.insert().values(
                    {column.name: sample(column) for column in table.columns}))


def counts(engine):
    with engine.connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table))
                for table in tables(connection)}


def kept(before, after):
    """The tables on both sides of a step whose count changed."""
    return {name: (count, after[name]) for name, count in before.items()
            if name in after and after[name] != count}


@pytest.mark.parametrize("service", PARTS)
def test_every_step_up_and_down_keeps_the_rows(tmp_path, db_backend, service):
    url = db_backend or f"sqlite:///{tmp_path / (service + '.db')}"
    config = alembic_config(service, {f"LUOSHI_{service.upper()}_DB_URL": url})
    steps = [script.revision for script in
             reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]
    engine = make_engine(url)
    try:
        command.upgrade(config, steps[0])
        fill_empty(engine)
        for revision in steps[1:]:
            before = counts(engine)
            command.upgrade(config, revision)
            assert not kept(before, counts(engine)), f"{service} up to {revision}"
            fill_empty(engine)
        at_head = counts(engine)
        assert all(at_head.values()), at_head
        for revision in reversed(steps[:-1]):
            before = counts(engine)
            command.downgrade(config, revision)
            assert not kept(before, counts(engine)), f"{service} down to {revision}"
        command.upgrade(config, "head")
        back = counts(engine)
        # Tables a downgrade dropped come back empty; every other keeps its rows.
        assert {name: count for name, count in back.items() if count} == {
            name: count for name, count in at_head.items() if back[name]}
    finally:
        engine.dispose()


# The tables rewritten in place, a batch of reports after another, and how full
# their new pages are written on PostgreSQL (services/common/migrations.py says
# why); the revision that gave each service's its room.
ROOM = {"tasks": ("0012", {"tasks": ["fillfactor=80"]}),
        "warnings": ("0008", {"colours": ["fillfactor=50"], "watched_tasks": ["fillfactor=50"]}),
        "ranking": ("0010", {"targets": ["fillfactor=80"]}),
        "notify": ("0016", {"reminder_tasks": ["fillfactor=80"],
                            "reminder_deadlines": ["fillfactor=80"]})}


@pytest.mark.parametrize("service", sorted(ROOM))
def test_tables_rewritten_by_each_batch_keep_room_in_their_pages(service):
    revision, room = ROOM[service]
    with private_database() as url:
        config = alembic_config(service, {f"LUOSHI_{service.upper()}_DB_URL": url})
        engine = make_engine(url)
        try:
            command.upgrade(config, "head")
            assert storage_options(engine) == room
            command.downgrade(config, ScriptDirectory.from_config(config)
                              .get_revision(revision).down_revision)
            assert storage_options(engine) == {}
        finally:
            engine.dispose()


def storage_options(engine):
    with engine.connect() as connection:
        return dict(connection.exec_driver_sql(
            "SELECT relname, reloptions FROM pg_class WHERE relkind = 'r' "
            "AND reloptions IS NOT NULL AND relnamespace = 'public'::regnamespace").all())
