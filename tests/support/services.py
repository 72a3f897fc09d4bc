"""Configuring services for a test, the way the deploy step would."""
from services.common.config import from_environment
from services.common.migrate import upgrade
from services.common.topology import declare_topology, service_class


def service_config(amqp_uri, data_dir, db_urls=None, **extra):
    """A nameko config as the runner builds it, for a private vhost and folder."""
    environ = {
        "LUOSHI_AMQP_URI": amqp_uri,
        "LUOSHI_DATA_DIR": str(data_dir),
        "LUOSHI_RETRY_DELAYS": "0.2,0.5",
        "LUOSHI_LOG_LEVEL": "WARNING",
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
