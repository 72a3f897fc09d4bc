"""A year the office entered before a service's copy of the calendar existed
reaches the copy without being saved again: the tasks service, installed after
the office entered 2027 (its calendar_changed went to no queue of it), asks the
warnings service when it starts."""
from nameko.testing.services import entrypoint_hook
from sqlalchemy import select

from services.common.config import db_url
from services.common.sessions import make_engine
from services.launch.topology import service_class
from services.tasks.models import calendar_years
from tests.support.holiday_notices import BODY_2027
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}


def test_a_copy_installed_after_a_year_was_entered_holds_it_from_its_start(
        runner_factory, amqp_uri, tmp_path):
    config = service_config(amqp_uri, tmp_path)
    prepare(config, "warnings")
    warnings = runner_factory(config, service_class("warnings"))
    warnings.start()
    (container,) = warnings.containers
    with entrypoint_hook(container, "update_calendar") as update_calendar:
        update_calendar(2027, BODY_2027["holidays"], BODY_2027["workdays"],
                        BODY_2027["note"], ADMIN)

    def sent():
        with entrypoint_hook(container, "activity") as activity:
            return activity()["outbox"]["pending"] == 0

    eventually(sent)  # calendar_changed is gone before the tasks service has a queue
    prepare(config, "tasks")
    runner_factory(config, service_class("tasks")).start()

    engine = make_engine(db_url("tasks", config))

    def copied():
        with engine.connect() as connection:
            rows = connection.execute(select(calendar_years)).all()
        assert [(row.year, row.version) for row in rows] == [(2027, 1)]
        return rows

    try:
        (row,) = eventually(copied)
    finally:
        engine.dispose()
    assert row.workdays == BODY_2027["workdays"]
    assert len(row.holidays) == len(BODY_2027["holidays"])
