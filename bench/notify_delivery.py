"""Component bench of the notify service: the notifications of 3,359 red items
(Yichun's count over three quarters; one recipient per item, by SMS, e-mail and
inbox) queued and delivered to local peers.

    python -m bench.notify_delivery [--scale 1] [--db sqlite|postgres]

The notify service runs as a real process (as `make run` starts it) on a vhost
and a database of its own, with LUOSHI_NOTIFY_TICK_SECONDS=1, an HTTP SMS
gateway and an SMTP server in this process. One unit_created event per item's
unit (each with its own operator) is consumed first; then one colour_changed
event turns every item red, as one evaluation would. Timed from that event
until every row is queued, and until every SMS and e-mail has been sent.
"""
import time

from kombu import Connection, Producer

from services.common.events import new_event
from services.common.outbox import events_exchange

from .options import goal, parser, service_database, today
from .peers import SmsPeer, SmtpPeer, peer_environment
from .phases import RED_RULE, wait_for
from .platform import Platform, new_run_dir, private_vhost, queue_depths, remove

NAME = "notify"
RED_ITEMS = 3359
ADMIN = {"user": "admin", "role": "admin", "units": None}


def publish(amqp_uri, service, event_type, payloads):
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection, serializer="json")
        exchange = events_exchange(service)
        for payload in payloads:
            producer.publish(payload, exchange=exchange, routing_key=event_type,
                             declare=[exchange], delivery_mode=2)


def total(platform, **filters):
    return platform.rpc("notify", "list_notifications", limit=1, **filters)["total"]


def run(args):
    items = max(1, round(RED_ITEMS * args.scale))
    folder = new_run_dir(args.out) / "notify"
    sms, smtp = SmsPeer(), SmtpPeer()
    try:
        with private_vhost() as amqp_uri, \
                service_database(args, "notify", folder) as url:
            # What is measured is queueing and sending: red warnings go at once
            # instead of settling for ten minutes first.
            platform = Platform(amqp_uri, folder, db_urls={"notify": url},
                                extra_env={**peer_environment(sms, smtp),
                                           "LUOSHI_NOTIFY_SETTLE_MINUTES": "0"})
            try:
                platform.start(services=("notify",), gateway=False)
                units = [{"code": f"U{n:05d}", "name": f"单位{n}", "kind": "department",
                          "parent": None, "head": None,
                          "operator": {"name": f"联络员{n}", "phone": str(13_900_000_000 + n),
                                       "email": f"u{n}@city.example"}}
                         for n in range(items)]
                publish(amqp_uri, "tasks", "unit_created",
                        [new_event(unit=unit) for unit in units])
                wait_for(lambda: not any(depth for name, depth in queue_depths(amqp_uri).items()
                                         if name.startswith("evt-")), 600, interval=0.5,
                         what="the units to be kept")
                platform.rpc("notify", "set_routing_rules", rules=[RED_RULE], caller=ADMIN)
                event = new_event(as_of=today().isoformat(), changes=[{
                    "item_kind": "task", "item_key": f"YC{n:05d}", "task": f"YC{n:05d}",
                    "unit": unit["code"], "colour": "red", "previous": "yellow",
                    "reason": "落后计划35个百分点（按计划应达80%，实际45%）", "rule_version": 1}
                    for n, unit in enumerate(units)])
                started = time.perf_counter()
                publish(amqp_uri, "warnings", "colour_changed", [event])
                wait_for(lambda: total(platform) >= 3 * items, 600, interval=0.1,
                         what="the notifications to be queued")
                queued_s = time.perf_counter() - started
                wait_for(lambda: total(platform, status="sent") >= 2 * items, 1800,
                         interval=0.2, what="the notifications to be sent")
                drained_s = time.perf_counter() - started
                figures = {"failed": total(platform, status="failed"),
                           "pending": total(platform, status="pending"),
                           "sms_received": sms.received, "email_received": smtp.received}
                memory = platform.memory()["notify"]
            finally:
                platform.stop()
    finally:
        sms.close()
        smtp.close()
        if not args.keep:
            remove(folder.parent)
    messages = 3 * items
    return {
        "name": NAME, "db": args.db, "scale": args.scale, "red_items": items,
        "messages": messages, "queued_s": round(queued_s, 2), "drained_s": round(drained_s, 2),
        "messages_per_s": round(messages / drained_s, 1),
        "outgoing_per_s": round(2 * items / max(drained_s - queued_s, 1e-9), 1),
        **figures, "peak_mb": memory["peak_mb"],
        "goals": [goal("3,359 red items' notifications queued and sent",
                       round(drained_s, 2), "s", None)],
    }


def main():
    from .report import print_component
    print_component(run(parser(__doc__.splitlines()[0]).parse_args()))


if __name__ == "__main__":
    main()
