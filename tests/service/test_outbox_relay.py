"""The outbox relay on its own, against the broker and both databases: two relays
with one lease publish once between them, events leave in the order they were
committed, and a relay that dies between publishing and marking has its events
published again by the next holder, which idempotent consumers apply once."""
import datetime as dt
import uuid

import pytest
from kombu import Connection, Producer, Queue
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from services.common import outbox as outbox_module
from services.common.consuming import first_application
from services.common.outbox import OutboxRelay, events_exchange
from services.common.sessions import Store
from services.common.tables import leases, outbox

SERVICE = "relaytest"


@pytest.fixture
def broker(amqp_uri):
    """(connection, producer, tap): a queue bound to every event of the service."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        exchange = events_exchange(SERVICE)
        exchange(channel).declare()
        tap = Queue(f"{SERVICE}.tap", exchange=exchange, routing_key="#")(channel)
        tap.declare()
        yield connection, Producer(connection, serializer="json"), tap


def relay(plumbing, amqp_uri):
    return OutboxRelay(plumbing, SERVICE, {"AMQP_URI": amqp_uri})


def emit(plumbing, *numbers):
    """Queue one event per number in one committed transaction; their event ids."""
    store = Store(plumbing)
    ids = []
    with store.session() as session:
        for number in numbers:
            ids.append(uuid.uuid4().hex)
            store.emit(session, "thing_happened", {"event_id": ids[-1], "n": number})
    return ids


def received(tap):
    """Every message the tap holds now, in the order the broker queued them. The
    relay publishes with confirms, so what it reported published is there."""
    payloads = []
    while (message := tap.get(no_ack=True)) is not None:
        payloads.append(message.payload)
    return payloads


def unsent(plumbing):
    with Session(plumbing) as session:
        return session.scalar(select(func.count()).select_from(outbox)
                              .where(outbox.c.sent_at.is_(None)))


def expire_lease(plumbing):
    """What LEASE_SECONDS without a renewal does, without waiting for it."""
    with Session(plumbing) as session, session.begin():
        session.execute(leases.update().where(leases.c.name == "outbox-relay")
                        .values(expires_at=dt.datetime(2000, 1, 1)))


def test_of_two_relays_only_the_lease_holder_publishes(plumbing, broker, amqp_uri):
    connection, producer, tap = broker
    first, second = relay(plumbing, amqp_uri), relay(plumbing, amqp_uri)
    emit(plumbing, 0, 1, 2)
    assert first.relay_once(connection, producer) == 3
    emit(plumbing, 3, 4)
    assert second.relay_once(connection, producer) == 0  # the lease is the first's
    assert unsent(plumbing) == 2
    assert first.relay_once(connection, producer) == 2
    assert [payload["n"] for payload in received(tap)] == [0, 1, 2, 3, 4]

    # When the holder stops renewing, the other takes over, and the first then waits.
    expire_lease(plumbing)
    emit(plumbing, 5)
    assert second.relay_once(connection, producer) == 1
    emit(plumbing, 6)
    assert first.relay_once(connection, producer) == 0
    assert second.relay_once(connection, producer) == 1
    assert [payload["n"] for payload in received(tap)] == [5, 6]
    assert unsent(plumbing) == 0


def test_events_leave_in_the_order_they_were_committed(plumbing, broker, amqp_uri,
                                                       monkeypatch):
    connection, producer, tap = broker
    monkeypatch.setattr(outbox_module, "BATCH", 3)  # several batches, each in order
    emit(plumbing, 0, 1, 2, 3)
    emit(plumbing, 4)
    emit(plumbing, 5, 6, 7)
    only = relay(plumbing, amqp_uri)
    published = []
    while (count := only.relay_once(connection, producer)):
        published.append(count)
    assert published == [3, 3, 2]
    assert [payload["n"] for payload in received(tap)] == list(range(8))


def test_a_crash_between_publishing_and_marking_publishes_again_and_applies_once(
        plumbing, broker, amqp_uri):
    connection, producer, tap = broker
    ids = emit(plumbing, 0, 1, 2)

    def crash_before_marking(conn, cursor, statement, *_):
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            raise RuntimeError("the process died here")
    event.listen(plumbing, "before_cursor_execute", crash_before_marking)
    try:
        with pytest.raises(RuntimeError):
            relay(plumbing, amqp_uri).relay_once(connection, producer)
    finally:
        event.remove(plumbing, "before_cursor_execute", crash_before_marking)
    assert unsent(plumbing) == 3  # published, but not marked

    # The dead relay's lease runs out; the next replica's relay publishes them again.
    expire_lease(plumbing)
    assert relay(plumbing, amqp_uri).relay_once(connection, producer) == 3
    assert unsent(plumbing) == 0
    payloads = received(tap)
    assert [payload["event_id"] for payload in payloads] == ids + ids

    # A consumer that records each event it applies (first_application) applies each once.
    applied = []
    for payload in payloads:
        with Session(plumbing) as session, session.begin():
            if first_application(session, payload["event_id"], "tap"):
                applied.append(payload["n"])
    assert applied == [0, 1, 2]
