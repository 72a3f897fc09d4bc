"""Talking to the broker outside nameko: waiting for it, and the parking lot."""
import json
import logging
import time

from kombu import Connection
from kombu.utils.url import maybe_sanitize_url

from .consuming import ATTEMPT_HEADER, DELIVERY_LIMIT, ERROR_HEADER, QUEUE_HEADER, parked_queue

log = logging.getLogger("luoshi.broker")


def wait_for_broker(uri, deadline_seconds=None):
    """Block until the broker accepts a connection (or the deadline passes)."""
    started = time.monotonic()
    announced = False
    while True:
        try:
            with Connection(uri, connect_timeout=5) as connection:
                connection.ensure_connection(max_retries=1)
            if announced:
                log.info("broker at %s answers", maybe_sanitize_url(uri))
            return
        except Exception as exc:  # any failure to connect means: not yet
            if deadline_seconds is not None and time.monotonic() - started > deadline_seconds:
                where = maybe_sanitize_url(uri)
                raise SystemExit(f"broker at {where} did not answer: {exc}") from exc
            if not announced:
                log.warning("waiting for the broker at %s (%s)", maybe_sanitize_url(uri), exc)
                announced = True
            time.sleep(2)


def _parked_messages(channel, service, limit):
    queue = parked_queue(service)(channel)
    queue.declare()
    messages = []
    while len(messages) < limit:
        message = queue.get(no_ack=False)
        if message is None:
            break
        messages.append(message)
    return messages


# Headers the broker writes when it dead-letters a message: a replayed message
# starts afresh without them.
DEATH_HEADERS = ("x-death", "x-first-death-queue", "x-first-death-reason",
                 "x-first-death-exchange", "x-last-death-queue", "x-last-death-reason",
                 "x-last-death-exchange", "x-delivery-count")


def _over_delivered(headers):
    """The queue a message left because it reached its delivery limit, when that is
    how it came to be parked (the newest death comes first in x-death)."""
    deaths = headers.get("x-death") or []
    if deaths and deaths[0].get("reason") == "delivery_limit":
        return deaths[0].get("queue")
    return None


def _describe(message):
    headers = message.headers or {}
    try:
        body = json.loads(message.body)
    except (TypeError, ValueError):
        body = message.body if isinstance(message.body, str) else repr(message.body)
    event_id = body.get("event_id") if isinstance(body, dict) else None
    over_delivered = _over_delivered(headers)
    if over_delivered:
        # Parked by the broker: its consumer never settled it, DELIVERY_LIMIT times
        # over (a handler that kills its process, say), so no handler wrote why.
        error = (f"delivered {DELIVERY_LIMIT + 1} times without being settled"
                 + (f"; before that: {headers[ERROR_HEADER]}" if ERROR_HEADER in headers
                    else ""))
    else:
        error = headers.get(ERROR_HEADER)
    return {
        "event_id": event_id,
        "queue": headers.get(QUEUE_HEADER) or over_delivered,
        "attempts": headers.get(ATTEMPT_HEADER),
        "error": error,
        "body": body,
    }


def list_parked(service, amqp_uri, limit=100):
    """The parked messages of a service, left in place."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            return [_describe(message) for message in _parked_messages(channel, service, limit)]
        finally:
            # Closing the channel returns every unacknowledged message to the queue.
            channel.close()


def replay_parked(service, amqp_uri, event_ids=None, limit=10_000):
    """Send parked messages back to the queue they failed in, with their attempt
    count reset; only those whose event_id is listed, or all. Answers the count."""
    replayed = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        producer = connection.Producer(channel)
        try:
            for message in _parked_messages(channel, service, limit):
                described = _describe(message)
                if event_ids is not None and described["event_id"] not in event_ids:
                    continue
                headers = dict(message.headers or {})
                for key in (ATTEMPT_HEADER, ERROR_HEADER, *DEATH_HEADERS):
                    headers.pop(key, None)
                producer.publish(
                    message.body, exchange="", routing_key=described["queue"],
                    headers=headers, content_type=message.content_type,
                    content_encoding=message.content_encoding, delivery_mode=2,
                )
                message.ack()
                replayed += 1
        finally:
            channel.close()
    return replayed
