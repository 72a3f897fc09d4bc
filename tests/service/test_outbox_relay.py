"""The outbox relay on its own, against the broker and both databases: two relays
with one lease publish once between them, events leave in the order they were
committed, a relay that dies between publishing and marking has its events
published again by the next holder, which idempotent consumers apply once, and an
idle relay forgets events sent and applied long ago."""
import datetime as dt
import uuid

import pytest
from kombu import Connection, Producer, Queue
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from services.common import outbox as outbox_module
from services.common.clock import utcnow
from services.common.consuming import first_application
from services.common.outbox import OutboxRelay, events_exchange
from services.common.sessions import Store, make_engine
from services.common.tables import PLUMBING, applied_events, leases, outbox

SERVICE = "relaytest"


@pytest.fixture
def engine(db_backend, tmp_path):
    engine = make_engine(db_backend or f"sqlite:///{tmp_path / 'relay.db'}")
    PLUMBING.create_all(engine)
    yield engine
    engine.dispose()


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


def relay(engine, amqp_uri):
    return OutboxRelay(engine, SERVICE, {"AMQP_URI": amqp_uri})


def emit(engine, *numbers):
    """Queue one event per number in one committed transaction; their event ids."""
    store = Store(engine)
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


def unsent(engine):
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(outbox)
                              .where(outbox.c.sent_at.is_(None)))


def expire_lease(engine):
    """What LEASE_SECONDS without a renewal does, without waiting for it."""
    with Session(engine) as session, session.begin():
        session.execute(leases.update().where(leases.c.name == "outbox-relay")
                        .values(expires_at=dt.datetime(2000, 1, 1)))


def test_of_two_relays_only_the_lease_holder_publishes(engine, broker, amqp_uri):
    connection, producer, tap = broker
    first, second = relay(engine, amqp_uri), relay(engine, amqp_uri)
    emit(engine, 0, 1, 2)
    assert first.relay_once(connection, producer) == 3
    emit(engine, 3, 4)
    assert second.relay_once(connection, producer) == 0  # the lease is the first's
    assert unsent(engine) == 2
    assert first.relay_once(connection, producer) == 2
    assert [payload["n"] for payload in received(tap)] == [0, 1, 2, 3, 4]

    # When the holder stops renewing, the other takes over, and the first then waits.
    expire_lease(engine)
    emit(engine, 5)
    assert second.relay_once(connection, producer) == 1
    emit(engine, 6)
    assert first.relay_once(connection, producer) == 0
    assert second.relay_once(connection, producer) == 1
    assert [payload["n"] for payload in received(tap)] == [5, 6]
    assert unsent(engine) == 0


def test_events_leave_in_the_order_they_were_committed(engine, broker, amqp_uri,
                                                       monkeypatch):
    connection, producer, tap = broker
    monkeypatch.setattr(outbox_module, "BATCH", 3)  # several batches, each in order
    emit(engine, 0, 1, 2, 3)
    emit(engine, 4)
    emit(engine, 5, 6, 7)
    only = relay(engine, amqp_uri)
    published = []
    while (count := only.relay_once(connection, producer)):
        published.append(count)
    assert published == [3, 3, 2]
    assert [payload["n"] for payload in received(tap)] == list(range(8))


def test_a_crash_between_publishing_and_marking_publishes_again_and_applies_once(
        engine, broker, amqp_uri):
    connection, producer, tap = broker
    ids = emit(engine, 0, 1, 2)

    def crash_before_marking(conn, cursor, statement, *_):
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            raise RuntimeError("the process died here")
    event.listen(engine, "before_cursor_execute", crash_before_marking)
    try:
        with pytest.raises(RuntimeError):
            relay(engine, amqp_uri).relay_once(connection, producer)
    finally:
        event.remove(engine, "before_cursor_execute", crash_before_marking)
    assert unsent(engine) == 3  # published, but not marked

    # The dead relay's lease runs out; the next replica's relay publishes them again.
    expire_lease(engine)
    assert relay(engine, amqp_uri).relay_once(connection, producer) == 3
    assert unsent(engine) == 0
    payloads = received(tap)
    assert [payload["event_id"] for payload in payloads] == ids + ids

    # A consumer that records each event it applies (first_application) applies each once.
    applied = []
    for payload in payloads:
        with Session(engine) as session, session.begin():
            if first_application(session, payload["event_id"], "tap"):
                applied.append(payload["n"])
    assert applied == [0, 1, 2]


def applied_ids(engine):
    with Session(engine) as session:
        return set(session.execute(select(applied_events.c.event_id, applied_events.c.consumer)))


def test_an_idle_relay_forgets_what_was_sent_and_applied_long_ago(
        engine, broker, amqp_uri, monkeypatch):
    connection, producer, _ = broker
    now = utcnow()
    with Session(engine) as session, session.begin():
        session.execute(applied_events.insert(), [
            {"event_id": f"e{number}", "consumer": consumer,
             "applied_at": now - outbox_module.KEEP_APPLIED - dt.timedelta(days=number)}
            for number in range(1, 8) for consumer in ("on_a", "on_b")] + [
            {"event_id": "recent", "consumer": "on_a",
             "applied_at": now - outbox_module.KEEP_APPLIED + dt.timedelta(hours=1)}])
        session.execute(outbox.insert(), [
            {"event_id": f"sent-{days}", "event_type": "thing_happened", "payload": {},
             "created_at": now - dt.timedelta(days=days),
             "sent_at": now - dt.timedelta(days=days)} for days in (1, 8)])
    # A few rows a transaction, so that the chunks are seen to follow each other.
    monkeypatch.setattr(outbox_module, "FORGET_CHUNK", 3)
    deletes = []
    event.listen(engine, "before_cursor_execute", lambda *call: deletes.append(call[2])
                 if call[2].startswith("DELETE FROM applied_events") else None)
    assert relay(engine, amqp_uri).relay_once(connection, producer) == 0  # idle: it tidies
    assert applied_ids(engine) == {("recent", "on_a")}
    with Session(engine) as session:
        assert session.scalars(select(outbox.c.event_id)).all() == ["sent-1"]  # KEEP_SENT
    # Seven events of two consumers, at most three events a statement (so at least
    # three statements), then one that finds none left; all at once would be two.
    assert len(deletes) >= 4
    # A redelivery of a forgotten event would be applied again; within KEEP_APPLIED it is not.
    with Session(engine) as session, session.begin():
        assert first_application(session, "recent", "on_a") is False


def test_forgetting_applied_events_answers_how_many_and_keeps_the_rest(engine):
    now = utcnow()
    with Session(engine) as session, session.begin():
        session.execute(applied_events.insert(), [
            {"event_id": f"e{number}", "consumer": "on_a",
             "applied_at": now - dt.timedelta(days=number)} for number in range(10)])
    assert outbox_module.forget_applied(engine, now - dt.timedelta(days=4, hours=12)) == 5
    assert {event_id for event_id, _ in applied_ids(engine)} == {f"e{n}" for n in range(5)}
    assert outbox_module.forget_applied(engine, now - dt.timedelta(days=4, hours=12)) == 0
