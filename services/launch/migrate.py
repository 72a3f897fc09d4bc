"""Migrations, run once by the deploy step before any replica starts.

    python -m services.launch.migrate [SERVICE ...]      upgrade databases, migrate/declare queues
    python -m services.launch.migrate --revision SERVICE -m "what changed"

Each service keeps its alembic scripts in `services/<name>/migrations`; the shared
plumbing tables (outbox, applied events, leases, timer runs) are part of every
service's schema. Queues declared before with another type or other arguments
(classic queues, from before every queue was a quorum queue) are moved to the
declared ones with their messages (see quorum.py); the services' replicas must be
stopped for that, and only for that.
"""
import argparse
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from services.common.config import SERVICES, db_url, from_environment

log = logging.getLogger(__name__)


def alembic_config(service, config):
    folder = Path(__file__).resolve().parent.parent / service / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    cfg.attributes["luoshi_url"] = db_url(service, config)
    return cfg


def upgrade(service, config):
    command.upgrade(alembic_config(service, config), "head")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*", default=list(SERVICES))
    parser.add_argument("--revision", action="store_true",
                        help="autogenerate a new revision for one service")
    parser.add_argument("-m", "--message", default="change")
    parser.add_argument("--no-broker", action="store_true",
                        help="only the databases; do not declare queues")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = from_environment()
    if args.revision:
        (service,) = args.services
        cfg = alembic_config(service, config)
        upgrade(service, config)  # autogenerate compares against the newest schema
        versions = Path(cfg.get_main_option("script_location")) / "versions"
        number = len(list(versions.glob("*.py"))) + 1
        command.revision(cfg, message=args.message, autogenerate=True, rev_id=f"{number:04d}")
        return
    for service in args.services:
        upgrade(service, config)
        log.info("migrated %s", service)
    if not args.no_broker:
        from services.common.broker import wait_for_broker

        from .quorum import QueueMigrationError, migrate_queues
        from .topology import declare_topology, service_class

        wait_for_broker(config["AMQP_URI"])
        for service in args.services:
            try:
                moved = migrate_queues(service_class(service), config)
            except QueueMigrationError as error:
                raise SystemExit(f"could not migrate the queues of {service}: {error}") from error
            if moved:
                log.info("moved the queues of %s, with %s message(s)", service,
                         sum(moved.values()))
            declare_topology(service_class(service), config)
            log.info("declared queues of %s", service)


if __name__ == "__main__":
    main()
