"""A service keeping a copy of the office's calendar asks the warnings service for
the years the office entered when it starts, and again at every interval: a year
entered before the copy's queue existed (or lost in a restore) reaches it without
calendar_changed. A warnings service that does not answer never stops it.

The warnings service is a fake answering `list_office_years` as the real one
does (its answer is tested in test_warnings_service.py); the copy is read from
the service's own database."""
import importlib
import logging

import pytest
from kombu import Connection
from nameko.testing.services import entrypoint_hook
from sqlalchemy import select

from services.common.config import db_url
from services.common.consuming import rpc, rpc_queue
from services.common.sessions import make_engine
from tests.support.holiday_notices import BODY_2027
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ENTERED_2027 = {"year": 2027, "version": 2, "holidays": BODY_2027["holidays"],
                "workdays": BODY_2027["workdays"]}


class FakeWarnings:
    """The warnings service with 2027 entered (in its second version)."""

    name = "warnings"

    @rpc
    def list_office_years(self):
        return {"years": [ENTERED_2027]}


def copy_of(service, config):
    """{year: row} of the service's copy of the office's calendar."""
    table = importlib.import_module(f"services.{service}.models").calendar_years
    engine = make_engine(db_url(service, config))
    try:
        with engine.connect() as connection:
            return {row.year: row for row in connection.execute(select(table))}
    finally:
        engine.dispose()


def start(container_factory, service, config):
    prepare(config, service)
    container = container_factory(
        importlib.import_module(f"services.{service}.service").Service, config)
    container.start()
    return container


@pytest.mark.parametrize("service", ["tasks", "ranking", "notify"])
def test_a_copy_started_empty_catches_up_with_the_years_the_office_entered(
        container_factory, amqp_uri, tmp_path, db_backend, service):
    container_factory(FakeWarnings, {"AMQP_URI": amqp_uri}).start()
    config = service_config(amqp_uri, tmp_path, {service: db_backend} if db_backend else None)

    start(container_factory, service, config)

    def caught_up():
        row = copy_of(service, config).get(2027)
        assert row is not None, "2027 not in the copy yet"
        return row

    row = eventually(caught_up)
    assert row.version == 2
    assert row.holidays == BODY_2027["holidays"]
    assert row.workdays == BODY_2027["workdays"]


def test_a_warnings_service_that_does_not_answer_does_not_stop_the_service(
        container_factory, amqp_uri, tmp_path, caplog):
    config = service_config(amqp_uri, tmp_path, LUOSHI_CALENDAR_ASK_SECONDS="0.5",
                            LUOSHI_CALENDAR_CATCH_UP_SECONDS="1")
    # The warnings service's queue is there but nobody reads it: the question waits
    # unanswered, as when the service is down or stuck.
    with Connection(amqp_uri) as connection:
        rpc_queue("warnings", config)(connection.default_channel).declare()
    caplog.set_level(logging.WARNING, logger="services.common.calendar_copy")

    tasks = start(container_factory, "tasks", config)

    eventually(lambda: "could not be asked of the warnings service" in caplog.text)
    with entrypoint_hook(tasks, "health") as health:
        assert health()["status"] == "ok"
    assert copy_of("tasks", config) == {}
    # The next try, once the warnings service answers, brings the year.
    container_factory(FakeWarnings, {"AMQP_URI": amqp_uri}).start()
    eventually(lambda: 2027 in copy_of("tasks", config))
