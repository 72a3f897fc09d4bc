"""Configuring services for a test, the way the deploy step would."""
from services.common.config import from_environment
from services.launch.migrate import upgrade
from services.launch.topology import declare_topology, service_class

# A task as task_created carries it, for a test that needs an event handled.
TASK = {
    "code": "T1", "title": "重点项目", "category": None, "source": "plan", "clock_class": None,
    "lead_unit": "yz", "cooperating_units": [], "responsible_person": None,
    "start_date": "2026-01-01", "due_date": "2026-12-31", "status": "active",
    "created_at": "2026-01-01T00:00:00",
    "targets": [{"seq": 1, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz",
                 "description": None}],
}


def service_config(amqp_uri, data_dir, db_urls=None, **extra):
    """A nameko config as the runner builds it, for a private vhost and folder."""
    environ = {
        "LUOSHI_AMQP_URI": amqp_uri,
        "LUOSHI_DATA_DIR": str(data_dir),
        "LUOSHI_RETRY_DELAYS": "0.2,0.5",
        "LUOSHI_LOG_LEVEL": "WARNING",
        # Every test stops its container, which waits two or three turns.
        "LUOSHI_CONSUMER_TURN_SECONDS": "0.05",
    }
    for service, url in (db_urls or {}).items():
        environ[f"LUOSHI_{service.upper()}_DB_URL"] = url
    environ.update(extra)
    return from_environment(environ)


def prepare(config, *services):
    """Migrate the services' databases and declare their queues."""
    for service in services:
        upgrade(service, config)
        declare_topology(service_class(service), config)
