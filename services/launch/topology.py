"""Declaring a service's exchanges and queues before any replica starts.

A message published to an exchange with no queue bound is dropped. The migrate
step declares every handler's queue up front, so that events emitted before the
consumer first starts wait for it instead of vanishing.
"""
import importlib

from kombu import Connection
from nameko.containers import ServiceContainer

from services.common.config import SERVICES
from services.common.consuming import ReliableEventHandler, handler_queues
from services.common.outbox import events_exchange


def service_class(name):
    """The nameko service class of one of SERVICES."""
    if name not in SERVICES:
        raise SystemExit(f"unknown service {name!r}; known: {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{name}.service").Service


def declare_topology(service_cls, config):
    """Declare the service's events exchange and every queue its handlers use."""
    container = ServiceContainer(service_cls, config)
    with Connection(config["AMQP_URI"]) as connection:
        channel = connection.default_channel
        events_exchange(container.service_name)(channel).declare()
        for entrypoint in container.entrypoints:
            if not isinstance(entrypoint, ReliableEventHandler):
                continue
            main, delays, parked = handler_queues(
                container.service_name, entrypoint.source_service, entrypoint.event_type,
                entrypoint.method_name, config,
            )
            for queue in (main, *delays, parked):
                queue(channel).declare()
