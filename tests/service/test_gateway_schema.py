"""The gateway's tables under alembic: a new database and one an earlier gateway
made with create_all both reach the newest revision through the migrate step,
on SQLite and on PostgreSQL, and a production gateway serves only a migrated
database."""
import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gateway import schema
from gateway.app import create_app
from gateway.db import make_engine
from gateway.models import Base
from gateway.settings import Settings
from services.launch import migrate
from tests.support.postgres import private_database

# Columns and tables an older gateway did not have yet: its create_schema added
# the first ones in place at the next start, and now the baseline revision must;
# the audit chain's came with revision 0002.
LATER_COLUMNS = {"users": {"disabled_at", "must_change_password", "last_sign_in_at",
                           "last_sign_in_from", "name", "phone"},
                 "api_keys": {"expires_at", "access", "last_used_from"},
                 "tokens": {"last_used_at"},
                 "audit_log": {"prev_hash", "hash"}}
LATER_TABLES = {"login_failures", "audit_chain_head", "audit_pending"}
# The audit log's indexes as they were before revision 0004 made them serve its
# listing: one each on the time, the user and the path (plain on PostgreSQL too).
EARLIER_AUDIT_INDEXES = (
    "DROP INDEX ix_audit_log_at_id", "DROP INDEX ix_audit_log_user_at_id",
    "DROP INDEX ix_audit_log_path", "CREATE INDEX ix_audit_log_at ON audit_log (at)",
    'CREATE INDEX ix_audit_log_user ON audit_log ("user")',
    "CREATE INDEX ix_audit_log_path ON audit_log (path)")


@pytest.fixture
def gateway_url(tmp_path, db_backend):
    return db_backend or f"sqlite:///{tmp_path / 'gateway.db'}"


def differences(engine):
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def old_gateway_database(engine):
    """The tables as an earlier gateway's create_all made them, with a row each."""
    Base.metadata.create_all(engine, tables=[
        table for table in Base.metadata.sorted_tables if table.name not in LATER_TABLES])
    with engine.begin() as connection:
        for table, columns in LATER_COLUMNS.items():
            for column in columns:
                connection.exec_driver_sql(f'ALTER TABLE {table} DROP COLUMN "{column}"')
        for statement in EARLIER_AUDIT_INDEXES:
            connection.exec_driver_sql(statement)
    old = sa.MetaData()
    old.reflect(engine)
    now = dt.datetime(2026, 11, 2, 9, 30)
    with engine.begin() as connection:
        connection.execute(old.tables["users"].insert().values(
            id=1, username="admin", password_hash="x", role="admin", created_at=now))
        connection.execute(old.tables["api_keys"].insert().values(
            id=1, name="county", digest="d" * 64, units=["C01"], created_at=now))
        connection.execute(old.tables["audit_log"].insert().values(
            id=1, at=now, units=[], method="POST", path="/api/v1/units", status=201))


def test_a_new_database_migrates_to_exactly_the_models(gateway_url, monkeypatch):
    monkeypatch.setenv("LUOSHI_GATEWAY_DB_URL", gateway_url)
    migrate.main(["gateway", "--no-broker"])
    engine = make_engine(gateway_url)
    try:
        assert schema.current(engine) == schema.head()
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_the_migrate_step_migrates_the_gateway_with_every_service(tmp_path, monkeypatch):
    monkeypatch.setenv("LUOSHI_DATA_DIR", str(tmp_path))
    migrate.main(["--no-broker"])
    engine = make_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    try:
        assert schema.current(engine) == schema.head()
    finally:
        engine.dispose()
    assert {path.name for path in tmp_path.glob("*.db")} == {
        f"{part}.db" for part in migrate.PARTS}
    with pytest.raises(SystemExit):
        migrate.main(["gatway", "--no-broker"])


def test_an_old_create_all_database_is_adopted_and_keeps_its_rows(gateway_url, monkeypatch):
    engine = make_engine(gateway_url)
    try:
        old_gateway_database(engine)
        assert schema.current(engine) is None
        monkeypatch.setenv("LUOSHI_GATEWAY_DB_URL", gateway_url)
        migrate.main(["gateway", "--no-broker"])
        assert schema.current(engine) == schema.head()
        assert differences(engine) == []
        with engine.connect() as connection:
            # Revision 0005 names the bootstrap admin, which had no name to read.
            assert connection.execute(sa.text("SELECT username, name FROM users")).all() == [
                ("admin", "系统管理员")]
            assert connection.execute(sa.text("SELECT name, access FROM api_keys")).all() == [
                ("county", None)]
            assert connection.scalar(sa.text("SELECT count(*) FROM audit_log")) == 1
        # Running the step again changes nothing.
        migrate.main(["gateway", "--no-broker"])
        assert schema.current(engine) == schema.head()
    finally:
        engine.dispose()


def test_a_name_the_office_gave_its_admin_stays(gateway_url, monkeypatch):
    engine = make_engine(gateway_url)
    try:
        monkeypatch.setenv("LUOSHI_GATEWAY_DB_URL", gateway_url)
        schema.upgrade(gateway_url)
        config = schema.alembic_config(gateway_url)
        command.downgrade(config, "0003")
        now = dt.datetime(2026, 11, 2, 9, 30)
        with engine.begin() as connection:
            for user_id, username, name in ((1, "admin", None), (2, "li", "李督查")):
                connection.execute(sa.text(
                    "INSERT INTO users (id, username, password_hash, role, created_at, name) "
                    "VALUES (:id, :username, 'x', 'admin', :now, :name)"),
                    {"id": user_id, "username": username, "now": now, "name": name})
        command.upgrade(config, "head")
        with engine.begin() as connection:
            assert connection.execute(sa.text(
                "SELECT username, name FROM users ORDER BY id")).all() == [
                ("admin", "系统管理员"), ("li", "李督查")]
            connection.execute(sa.text("UPDATE users SET name = '王主任' WHERE id = 1"))
        command.downgrade(config, "0003")
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT name FROM users WHERE id = 1")) == "王主任"
    finally:
        engine.dispose()


def _start(settings):
    async def lifespan():
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            pass
    asyncio.run(lifespan())


def test_a_production_gateway_refuses_an_unmigrated_database(tmp_path):
    settings = Settings(env="production", data_dir=tmp_path, secret="s3cr3t-from-the-vault-91",
                        caller_key="another-s3cr3t-from-the-vault-17",
                        admin_password="a-real-password-42")
    with pytest.raises(schema.SchemaNotCurrent, match="migrate"):
        _start(settings)
    schema.upgrade(settings.db_url)
    _start(settings)  # migrated: it starts and creates its admin


def test_a_local_gateway_migrates_its_own_database(tmp_path):
    settings = Settings(data_dir=tmp_path, admin_password="a-local-password-1")
    _start(settings)
    engine = make_engine(settings.db_url)
    try:
        assert schema.current(engine) == schema.head()
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT role, name FROM users")).one() == (
                "admin", "系统管理员")
    finally:
        engine.dispose()


def test_the_gateway_plans_each_postgresql_query_for_its_values():
    # As the services do (test_database_plumbing): a plan kept for any values can
    # be hundreds of times slower on skewed columns, such as the audit log's.
    with private_database() as url:
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql(
                    "SHOW plan_cache_mode").scalar() == "force_custom_plan"
        finally:
            engine.dispose()
