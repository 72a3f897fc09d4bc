"""Declaring a service's exchanges and queues before any replica starts.

A message published to an exchange with no queue bound is dropped. The migrate
step declares every handler's queue up front, so that events emitted before the
consumer first starts wait for it instead of vanishing; and the RPC queue, as
the quorum queue the replicas expect (see quorum.py for queues declared before
as classic ones).
"""
import importlib

from kombu import Connection
from nameko.containers import ServiceContainer

from services.common.config import SERVICES
from services.common.consuming import (
    ReliableEventHandler,
    handler_queues,
    parked_queue,
    rpc_queue,
)
from services.common.outbox import events_exchange


def service_class(name):
    """The nameko service class of one of SERVICES."""
    if name not in SERVICES:
        raise SystemExit(f"unknown service {name!r}; known: {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{name}.service").Service


def service_queues(service_cls, config):
    """Every queue the service reads or parks in, each once: the delay queues
    first, then the handlers' queues they send back to, the parking lot the
    handlers' queues send to, and the RPC queue."""
    container = ServiceContainer(service_cls, config)
    delays, mains = [], []
    for entrypoint in container.entrypoints:
        if not isinstance(entrypoint, ReliableEventHandler):
            continue
        main, its_delays, _ = handler_queues(
            container.service_name, entrypoint.source_service, entrypoint.event_type,
            entrypoint.method_name, config,
        )
        mains.append(main)
        delays.extend(its_delays)
    # The parking lot even of a service without handlers: operators' listing
    # declares it, so it may exist from an earlier release.
    return [*delays, *mains, parked_queue(container.service_name),
            rpc_queue(container.service_name, config)]


def declare_topology(service_cls, config):
    """Declare the service's events exchange and every queue it uses."""
    with Connection(config["AMQP_URI"]) as connection:
        channel = connection.default_channel
        events_exchange(ServiceContainer(service_cls, config).service_name)(channel).declare()
        for queue in service_queues(service_cls, config):
            queue(channel).declare()
