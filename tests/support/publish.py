"""Publishing an event as its producer's outbox relay would, from a test."""
from kombu import Connection, Producer

from services.common.events import new_event
from services.common.outbox import events_exchange


def publish_event(amqp_uri, service_name, event_type, payload=None, **fields):
    """Publish `payload` (or a fresh event of `fields`) on the service's exchange.
    Answers the payload sent."""
    payload = payload if payload is not None else new_event(**fields)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection, serializer="json").publish(
            payload, exchange=events_exchange(service_name), routing_key=event_type,
            declare=[events_exchange(service_name)], delivery_mode=2)
    return payload
