"""Moving a service's queues to the type and arguments it declares, messages and all.

A broker refuses to declare an existing queue with another type or other
arguments (PRECONDITION_FAILED), so a queue declared classic by an earlier
release cannot simply be declared quorum. For each such queue the migrate step

1. declares a holding queue `<queue>.migrating` (quorum, without a time to live)
   and binds it where the queue is bound, then unbinds the queue, so that an
   event published meanwhile waits in the holding queue;
2. moves every message of the queue into it, one at a time: each copy is
   confirmed by the broker before its original is acknowledged;
3. deletes the queue, which the broker does only while it is empty and nobody
   consumes from it, and declares it anew, as the service declares it;

and, once every queue of the service is declared anew,

4. unbinds the holding queue, moves its messages back, checks that the queue
   holds at least as many as came back, and deletes the holding queue (again
   only while empty).

The delay queues go first: once they are quorum queues, a message whose delay
ends waits in them (at-least-once dead-lettering) until the queue it returns to
exists, instead of being dropped while that queue is replaced; and the delayed
messages themselves wait in holding queues, which have no time to live, until
step 4.

Rerunning is safe at any point: a queue already declared as wanted is left
alone, and a holding queue left by an interrupted run is emptied into its queue.
A run interrupted between a copy's confirmation and its original's
acknowledgement leaves that one message in both places, so it may be delivered
twice, which the handlers absorb (`applied_once`). The service's replicas must be
stopped: a queue with consumers is not touched, and the run fails saying so.
"""
import logging
import time

from amqp import Message
from amqp.exceptions import AMQPNotImplementedError, NotFound, PreconditionFailed
from kombu import Connection, Queue

from services.common.consuming import QUORUM

from .topology import service_queues

log = logging.getLogger(__name__)

HOLDING_SUFFIX = ".migrating"
# Times an emptied queue is emptied again when a late message arrived before it
# could be deleted.
DELETE_ATTEMPTS = 5


class QueueMigrationError(RuntimeError):
    """A queue could not be moved safely; nothing was lost, and the step can be
    run again once the cause is gone."""


def holding_queue(queue):
    return Queue(queue.name + HOLDING_SUFFIX, durable=True, auto_delete=False,
                 queue_arguments=dict(QUORUM))


def _state(connection, queue, passive):
    """(messages ready, consumers) of `queue`, declared as given (passive: only
    looked up); None when it does not exist (passive) or exists otherwise."""
    channel = connection.channel()
    try:
        _, messages, consumers = channel.queue_declare(
            queue.name, passive=passive, durable=queue.durable, exclusive=queue.exclusive,
            auto_delete=queue.auto_delete, arguments=queue.queue_arguments)
        return messages, consumers
    except (NotFound, PreconditionFailed):
        return None  # the broker closed the channel with the error
    finally:
        if channel.is_open:
            channel.close()


def _bound(queue):
    return queue.exchange is not None and queue.exchange.name


def _move(channel, source, target):
    """Move every message of `source` to `target`, confirmed one by one.
    Answers how many."""
    moved = 0
    while True:
        message = channel.basic_get(source, no_ack=False)
        if message is None:
            return moved
        # mandatory: should the target be missing, the broker returns the copy and
        # the original stays unacknowledged, so it goes back to its queue.
        channel.basic_publish_confirm(Message(message.body, **message.properties),
                                      exchange="", routing_key=target, mandatory=True)
        channel.basic_ack(message.delivery_tag)
        moved += 1


def _delete(connection, name):
    """Delete the queue `name` if it is empty and unused; answers whether it was.

    The broker checks that itself for a classic queue; a quorum queue refuses the
    check (NOT_IMPLEMENTED, closing the connection, hence a connection of its
    own), so it is looked at first. Nothing sends to it meanwhile: it is
    unbound, and nobody consumes from the service's queues while they move."""
    with connection.clone() as own:
        channel = own.channel()
        try:
            channel.queue_delete(name, if_unused=True, if_empty=True)
            return True
        except PreconditionFailed:
            return False
        except AMQPNotImplementedError:
            # A quorum queue, which refuses the check: looked at instead.
            return _delete_quorum_if_idle(connection, name)


def _delete_quorum_if_idle(connection, name):
    """Delete the quorum queue `name` if it holds no message and has no consumer;
    answers whether it is gone."""
    state = _state(connection, Queue(name), passive=True)
    if state is None:
        return True
    if state != (0, 0):
        return False
    channel = connection.channel()
    try:
        channel.queue_delete(name)
    finally:
        channel.close()
    return True


def _delete_when_empty(connection, name, refill_from=None):
    """Delete the queue `name` while it is empty and unused. A message that arrives
    after it was emptied (only `refill_from` knows where to put it) is moved and
    the delete tried again."""
    for _ in range(DELETE_ATTEMPTS):
        if _delete(connection, name):
            return
        if refill_from is None:
            break
        channel = connection.channel()
        try:
            refill_from(channel)
        finally:
            channel.close()
    raise QueueMigrationError(f"queue {name} is not empty or has consumers; it was left as it is")


def _empty_into_holding(connection, queue):
    """Steps 1 to 3 for one queue. Answers how many messages were moved."""
    holding = holding_queue(queue)
    channel = connection.channel()
    try:
        holding(channel).declare()
        if _bound(queue):
            channel.queue_bind(holding.name, queue.exchange.name, queue.routing_key)
            channel.queue_unbind(queue.name, queue.exchange.name, queue.routing_key)
        moved = _move(channel, queue.name, holding.name)
    finally:
        channel.close()

    def move_late_arrivals(channel):
        nonlocal moved
        moved += _move(channel, queue.name, holding.name)

    _delete_when_empty(connection, queue.name, move_late_arrivals)
    channel = connection.channel()
    try:
        queue(channel).declare()
    finally:
        channel.close()
    log.info("queue %s: %s message(s) moved aside, declared anew", queue.name, moved)
    return moved


def _empty_holding_into(connection, queue):
    """Step 4 for one queue: answers how many messages came back, or None when it
    has no holding queue."""
    holding = holding_queue(queue)
    if _state(connection, holding, passive=True) is None:
        return None
    channel = connection.channel()
    try:
        # A run interrupted between deleting the queue and declaring it anew.
        queue(channel).declare()
        if _bound(queue):
            channel.queue_unbind(holding.name, queue.exchange.name, queue.routing_key)
        moved = _move(channel, holding.name, queue.name)
    finally:
        channel.close()
    _delete_when_empty(connection, holding.name)
    log.info("queue %s: %s message(s) moved back", queue.name, moved)
    return moved


def needs_migration(connection, queue):
    """True when `queue` exists, but not as the service declares it."""
    return (_state(connection, queue, passive=True) is not None
            and _state(connection, queue, passive=False) is None)


def held(connection, queues):
    """Messages ready in `queues` and in their holding queues, and their consumers."""
    messages = consumers = 0
    for queue in queues:
        for state in (_state(connection, queue, passive=True),
                      _state(connection, holding_queue(queue), passive=True)):
            if state is not None:
                messages += state[0]
                consumers += state[1]
    return messages, consumers


def migrate_queues(service_cls, config, settle_seconds=30):
    """Give every queue of the service the type and arguments it declares, moving
    the messages of each queue that had others. Answers {queue: messages moved}
    for the queues moved now or by an interrupted run.

    Checked: the service's queues hold, all told, at least as many messages after
    as before (a delayed message in flight between a delay queue and its handler's
    queue is waited for, up to `settle_seconds`)."""
    queues = service_queues(service_cls, config)
    moved = {}
    with Connection(config["AMQP_URI"]) as connection:
        connection.ensure_connection(max_retries=3)
        stale = [queue for queue in queues if needs_migration(connection, queue)]
        leftovers = [queue for queue in queues
                     if _state(connection, holding_queue(queue), passive=True) is not None]
        if not stale and not leftovers:
            return moved
        busy = [queue.name for queue in stale
                if (_state(connection, queue, passive=True) or (0, 0))[1]]
        if busy:
            raise QueueMigrationError(
                f"queues with consumers: {', '.join(busy)}. Stop the service's replicas, "
                "then migrate again")
        before, _ = held(connection, queues)
        for queue in stale:
            moved[queue.name] = _empty_into_holding(connection, queue)
        for queue in queues:
            back = _empty_holding_into(connection, queue)
            if back is not None:
                moved[queue.name] = back
        deadline = time.monotonic() + settle_seconds
        while True:
            after, consumers = held(connection, queues)
            if after >= before or consumers:
                break  # consumers, started meanwhile, may have taken some already
            if time.monotonic() > deadline:
                raise QueueMigrationError(
                    f"the queues of {service_cls.name} held {before} message(s) before "
                    f"and {after} after")
            time.sleep(0.2)
        log.info("queues of %s: %s message(s) before, %s after", service_cls.name, before,
                 after)
    return moved
