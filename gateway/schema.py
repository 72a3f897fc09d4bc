"""The gateway's database schema, under alembic like every service's.

The migrate step (`python -m services.launch.migrate`, the compose `migrate`
service, the Kubernetes migrate Job) brings it to the newest revision before any
gateway replica starts. A replica checks the revision at start: in production it
refuses to serve a database the migrate step has not brought up to date; in
local development (tests, a bare `uvicorn`) it upgrades the database itself.
"""
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaNotCurrent(RuntimeError):
    """The database is not at the newest revision and this process may not migrate it."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["luoshi_url"] = url
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest revision. A database made by an
    earlier gateway (tables, no alembic_version) is adopted by revision 0001."""
    command.upgrade(alembic_config(url), "head")


def head() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def prepare(engine: Engine, url: str, may_migrate: bool) -> None:
    """Make sure the database is at the newest revision before serving."""
    if current(engine) == head():
        return
    if not may_migrate:
        raise SchemaNotCurrent(
            f"the gateway database is at revision {current(engine)}, not {head()}: "
            "run the migrate step (python -m services.launch.migrate) first")
    upgrade(url)
