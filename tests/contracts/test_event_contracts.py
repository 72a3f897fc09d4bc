"""Producers' events against their consumers' schemas: drift breaks this test,
not production."""
import importlib

import pytest
from nameko.containers import ServiceContainer

from services.common.config import SERVICES
from services.common.consuming import ReliableEventHandler
from services.launch.topology import service_class
from tests.contracts.samples import SAMPLES

PRODUCERS = ("tasks", "warnings", "ranking")


def producer_schemas(service):
    return importlib.import_module(f"services.{service}.events").SCHEMAS


def consumed(service):
    return importlib.import_module(f"services.{service}.schemas").CONSUMES


def handlers(service):
    container = ServiceContainer(service_class(service), {"AMQP_URI": "memory://"})
    return {(ep.source_service, ep.event_type, ep.method_name)
            for ep in container.entrypoints if isinstance(ep, ReliableEventHandler)}


@pytest.mark.parametrize("producer", PRODUCERS)
def test_every_event_has_a_sample_its_schema_accepts(producer):
    schemas = producer_schemas(producer)
    assert set(schemas) == set(SAMPLES[producer])
    for event_type, schema in schemas.items():
        assert schema().validate(SAMPLES[producer][event_type]) == {}, event_type


@pytest.mark.parametrize("consumer", SERVICES)
def test_every_handler_reads_with_a_schema_of_an_event_that_exists(consumer):
    reads = consumed(consumer)
    for source, event_type, method in handlers(consumer):
        assert (source, event_type) in reads, f"{consumer}.{method} has no schema in CONSUMES"
        assert event_type in producer_schemas(source), f"{source} emits no {event_type}"


@pytest.mark.parametrize("consumer", SERVICES)
def test_every_handler_applies_its_event_once_with_the_schema_of_its_event(consumer):
    reads = consumed(consumer)
    service = service_class(consumer)
    for source, event_type, method in handlers(consumer):
        schema = getattr(getattr(service, method), "schema", None)
        assert schema is not None, f"{consumer}.{method} is not written with applied_once"
        assert schema is reads[(source, event_type)], f"{consumer}.{method} reads {schema}"


@pytest.mark.parametrize("consumer", SERVICES)
def test_consumers_load_what_producers_dump(consumer):
    for (source, event_type), schema in consumed(consumer).items():
        dumped = producer_schemas(source)[event_type]().dump(SAMPLES[source][event_type])
        loaded = schema().load(dumped)
        assert loaded["event_id"] == SAMPLES[source][event_type]["event_id"]


def test_a_consumer_ignores_fields_a_producer_adds():
    payload = {**SAMPLES["tasks"]["task_created"], "added_later": 1}
    payload["task"] = {**payload["task"], "priority": "high"}
    for consumer in ("warnings", "ranking"):
        consumed(consumer)[("tasks", "task_created")]().load(payload)


def test_notify_reads_a_thread_message_by_its_authors_name_and_one_queued_without_it():
    """task_message_posted names the author beside the login; an event queued
    before it did still loads, with no name, and notify words it by the login."""
    schema = consumed("notify")[("tasks", "task_message_posted")]
    dumped = producer_schemas("tasks")["task_message_posted"]().dump(
        SAMPLES["tasks"]["task_message_posted"])
    assert (dumped["author"], dumped["author_name"]) == ("office1", "李督查")
    assert schema().load(dumped)["author_name"] == "李督查"
    older = {key: value for key, value in dumped.items() if key != "author_name"}
    assert schema().load(older)["author_name"] is None
