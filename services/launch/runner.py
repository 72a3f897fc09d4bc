"""Runs one service: `python -m services.launch.runner SERVICE`.

Waits for the broker instead of crashing while it is down, then hands over to
nameko's runner, which on SIGTERM stops taking messages, lets running workers
finish and leaves the rest in the queue.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402 — must precede every other import

import gc  # noqa: E402
import logging  # noqa: E402
import logging.config  # noqa: E402
import sys  # noqa: E402

log = logging.getLogger("luoshi.runner")


def main(argv=None):
    from nameko.cli.run import run

    from services.common.broker import wait_for_broker
    from services.common.config import from_environment

    from .topology import service_class

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit("usage: python -m services.launch.runner SERVICE")
    config = from_environment()
    logging.config.dictConfig(config["LOGGING"])
    service_cls = service_class(argv[0])
    wait_for_broker(config["AMQP_URI"])
    settle()
    log.info("starting %s", argv[0])
    run([service_cls], config)


def settle():
    """Take what is alive before the service starts (its code and its libraries',
    some 85,000 objects, alive as long as the process) out of the cycle
    collector's sight. Each full collection walked them all, ~40 ms falling on
    whichever message was being handled; now it walks what the service made."""
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    main()
