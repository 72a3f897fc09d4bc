"""Quorum queues: the migrate step moves classic queues of an earlier release, with
every message they hold, and the broker parks a message no consumer ever settles.

Real: RabbitMQ (a private vhost per test), the migrate launcher, SQLite in a
temporary folder. Faked: nothing.
"""
import json
import subprocess
from urllib.parse import unquote, urlsplit

import pytest
from kombu import Connection, Queue
from nameko.containers import ServiceContainer
from nameko.rpc import get_rpc_exchange

from services.common.broker import list_parked, replay_parked
from services.common.config import SERVICES
from services.common.consuming import (
    DELIVERY_LIMIT,
    RobustRpcConsumer,
    handler_queues,
    parked_queue,
)
from services.launch import migrate
from services.launch.quorum import QueueMigrationError, migrate_queues
from services.launch.topology import service_class, service_queues
from tests.support.services import service_config


def queue_types(uri):
    """{queue: (type, messages ready)} of the vhost: names and types as the broker
    lists them, counts as the queues answer (the listing's counts of a quorum
    queue lag behind)."""
    vhost = unquote(urlsplit(uri).path.lstrip("/"))
    answer = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type", "--formatter",
         "json"], capture_output=True, text=True, timeout=60, check=True)
    with Connection(uri) as connection:
        channel = connection.default_channel
        return {row["name"]: (row["type"], channel.queue_declare(row["name"], passive=True)[1])
                for row in json.loads(answer.stdout)}


def classic_like_before(queue):
    """`queue` as the release before quorum queues declared it: classic, with
    its time to live and dead-letter target if it had them."""
    arguments = {key: value for key, value in (queue.queue_arguments or {}).items()
                 if key in ("x-message-ttl", "x-dead-letter-exchange",
                            "x-dead-letter-routing-key")}
    return Queue(queue.name, exchange=queue.exchange, routing_key=queue.routing_key,
                 durable=True, auto_delete=False, queue_arguments=arguments or None)


def drain(channel, name):
    """Every message of queue `name`, taken: [(body, properties)]."""
    taken = []
    while (message := channel.basic_get(name, no_ack=True)) is not None:
        taken.append((message.body, message.properties))
    return taken


@pytest.fixture
def config(amqp_uri, tmp_path):
    # Long delays: what waits in a delay queue stays there while the test looks.
    return service_config(amqp_uri, tmp_path, LUOSHI_RETRY_DELAYS="300,600")


@pytest.fixture
def classic_warnings(config):
    """The warnings service's queues as classic queues holding messages of every
    kind: events, delayed retries, a parked message and an RPC request."""
    uri = config["AMQP_URI"]
    queues = service_queues(service_class("warnings"), config)
    main, delays, parked = handler_queues("warnings", "tasks", "task_created",
                                          "on_task_created", config)
    (rpc,) = [queue for queue in queues if queue.name == "rpc-warnings"]
    sent = {}
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        for queue in queues:
            classic_like_before(queue)(channel).declare()
        producer = connection.Producer(channel)
        for number in range(5):
            body = {"event_id": f"event-{number}"}
            producer.publish(body, exchange=main.exchange, routing_key="task_created",
                             delivery_mode=2)
            sent.setdefault(main.name, []).append(body)
        body = {"event_id": "delayed"}
        producer.publish(body, exchange="", routing_key=delays[0].name, delivery_mode=2,
                         headers={"x-luoshi-attempt": 1, "x-luoshi-queue": main.name})
        sent[delays[0].name] = [body]
        body = {"event_id": "poison"}
        producer.publish(body, exchange="", routing_key=parked.name, delivery_mode=2,
                         headers={"x-luoshi-attempt": 3, "x-luoshi-error": "ValueError: no",
                                  "x-luoshi-queue": main.name})
        sent[parked.name] = [body]
        body = {"args": [], "kwargs": {}}
        producer.publish(body, exchange=get_rpc_exchange(config), routing_key="warnings.health",
                         delivery_mode=2, reply_to="rpc.reply-gateway-1",
                         correlation_id="call-1")
        sent[rpc.name] = [body]
    assert {name: kind for name, (kind, _) in queue_types(uri).items()} == {
        queue.name: "classic" for queue in queues}
    return sent


def test_migrate_moves_classic_queues_to_quorum_with_every_message(
        config, classic_warnings, monkeypatch):
    uri = config["AMQP_URI"]
    monkeypatch.setenv("LUOSHI_AMQP_URI", uri)
    monkeypatch.setenv("LUOSHI_DATA_DIR", config["LUOSHI_DATA_DIR"])
    monkeypatch.setenv("LUOSHI_RETRY_DELAYS", config["LUOSHI_RETRY_DELAYS"])

    migrate.main(["warnings"])  # the one-off launcher, as the deploy step runs it

    wanted = {queue.name for queue in service_queues(service_class("warnings"), config)}
    after = queue_types(uri)
    assert set(after) == wanted  # no holding queue left behind
    assert {kind for kind, _ in after.values()} == {"quorum"}
    for name, bodies in classic_warnings.items():
        assert after[name][1] == len(bodies), name

    migrate.main(["warnings"])  # a rerun changes nothing
    assert queue_types(uri) == after

    main, delays, parked = handler_queues("warnings", "tasks", "task_created",
                                          "on_task_created", config)
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        # Still bound: a new event reaches the handler's queue.
        connection.Producer(channel).publish({"event_id": "new"}, exchange=main.exchange,
                                             routing_key="task_created", delivery_mode=2)
        events = drain(channel, main.name)
        assert sorted(json.loads(body)["event_id"] for body, _ in events) == sorted(
            [body["event_id"] for body in classic_warnings[main.name]] + ["new"])
        ((body, properties),) = drain(channel, "rpc-warnings")
        assert properties["reply_to"] == "rpc.reply-gateway-1"
        assert properties["correlation_id"] == "call-1"
        ((body, properties),) = drain(channel, delays[0].name)
        assert json.loads(body) == {"event_id": "delayed"}
        assert properties["application_headers"]["x-luoshi-attempt"] == 1
    # The parked message keeps what operators read.
    (described,) = list_parked("warnings", uri)
    assert described["event_id"] == "poison"
    assert described["queue"] == main.name
    assert (described["attempts"], described["error"]) == (3, "ValueError: no")


def test_a_run_interrupted_after_deleting_a_queue_is_finished_by_the_next(config):
    uri = config["AMQP_URI"]
    main, _, _ = handler_queues("warnings", "tasks", "task_created", "on_task_created",
                                config)
    holding = Queue(f"{main.name}.migrating", durable=True,
                    queue_arguments={"x-queue-type": "quorum"})
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        # Where a run stopped: the messages aside, the queue not yet declared anew.
        holding(channel).declare()
        for number in range(3):
            connection.Producer(channel).publish({"event_id": f"e{number}"}, exchange="",
                                                 routing_key=holding.name, delivery_mode=2)

    moved = migrate_queues(service_class("warnings"), config)

    assert moved == {main.name: 3}
    after = queue_types(uri)
    assert after[main.name] == ("quorum", 3)
    assert holding.name not in after


def test_a_queue_with_consumers_is_left_alone(config, classic_warnings):
    uri = config["AMQP_URI"]
    main, _, _ = handler_queues("warnings", "tasks", "task_created", "on_task_created",
                                config)
    before = queue_types(uri)
    with Connection(uri) as connection:
        channel = connection.channel()
        channel.basic_consume(main.name, callback=lambda message: None)
        with pytest.raises(QueueMigrationError, match="consumer"):
            migrate_queues(service_class("warnings"), config)
        channel.close()
    assert queue_types(uri) == before


def test_a_message_never_settled_is_parked_by_the_broker_and_replayed(config):
    uri = config["AMQP_URI"]
    main, delays, parked = handler_queues("warnings", "tasks", "task_created",
                                          "on_task_created", config)
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        for queue in (main, *delays, parked):
            queue(channel).declare()
        connection.Producer(channel).publish({"event_id": "killer"}, exchange=main.exchange,
                                             routing_key="task_created", delivery_mode=2)
        # Each delivery ends as when the consumer's process dies holding it.
        deliveries = 0
        while (message := main(channel).get(no_ack=False)) is not None:
            deliveries += 1
            message.requeue()
        assert deliveries == DELIVERY_LIMIT + 1

    (described,) = list_parked("warnings", uri)
    assert described["event_id"] == "killer"
    assert described["queue"] == main.name
    assert "without being settled" in described["error"]

    assert replay_parked("warnings", uri) == 1
    with Connection(uri) as connection:
        channel = connection.default_channel
        message = main(channel).get(no_ack=True)
        assert json.loads(message.body) == {"event_id": "killer"}
        assert "x-death" not in (message.headers or {})
        assert parked_queue("warnings")(channel).get(no_ack=True) is None


def test_the_rpc_queue_nameko_consumes_is_the_quorum_queue_migrate_declares(config):
    container = ServiceContainer(service_class("warnings"), config)
    (consumer,) = [extension for extension in container.subextensions
                   if isinstance(extension, RobustRpcConsumer)]
    consumer.setup()
    (declared,) = [queue for queue in service_queues(service_class("warnings"), config)
                   if queue.name == consumer.queue.name]
    assert consumer.queue.queue_arguments == declared.queue_arguments == {
        "x-queue-type": "quorum"}
    assert (consumer.queue.exchange.name, consumer.queue.routing_key) == (
        declared.exchange.name, declared.routing_key) == ("nameko-rpc", "warnings.*")
    for queue in service_queues(service_class("warnings"), config):
        assert queue.queue_arguments["x-queue-type"] == "quorum", queue.name
        assert queue.durable and not queue.auto_delete and not queue.exclusive


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_moves_its_parking_lot_and_rpc_queue(config, service):
    # The parking lot exists once an operator listed it, even where no handler
    # parks: it must be among the queues the migrate step moves.
    names = [queue.name for queue in service_queues(service_class(service), config)]
    assert {f"{service}.parked", f"rpc-{service}"} <= set(names)
    assert len(names) == len(set(names))
