"""Configuration names shared by every service.

Values are read from a nameko config dict (built from the environment by the
runner, or by a test) when a dependency is set up, never at import time.
"""
import os
from pathlib import Path

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
# RabbitMQ recommends heartbeats between 5 and 60 seconds; 30 notices a dead peer
# quickly without false alarms on a busy 2-core machine.
DEFAULT_HEARTBEAT = 30
DEFAULT_RETRY_DELAYS = (1, 5, 30, 120, 600)
# How long a queue consumer waits for a frame before it turns (see consuming.py).
DEFAULT_CONSUMER_TURN = 0.2

SERVICES = ("tasks", "warnings", "ranking", "notify")


def data_dir(config):
    return Path(config.get("LUOSHI_DATA_DIR") or "var")


def db_url(service_name, config):
    """The service's own database: LUOSHI_<SERVICE>_DB_URL, else a SQLite file."""
    url = config.get(f"LUOSHI_{service_name.upper()}_DB_URL")
    if url:
        return url
    folder = data_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder.resolve() / (service_name + '.db')}"


def retry_delays(config):
    """Seconds to wait before each retry of a failed message; its length is the
    number of retries before the message is parked."""
    raw = config.get("LUOSHI_RETRY_DELAYS")
    if not raw:
        return DEFAULT_RETRY_DELAYS
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    return tuple(float(value) for value in raw)


def heartbeat(environ):
    """LUOSHI_HEARTBEAT in seconds: 0 (off) or 5–600. Below 5 the broker's
    heartbeats, every half interval, keep the consumer reading without a pause,
    and its watchdog would take it for stuck (see consuming.py)."""
    raw = environ.get("LUOSHI_HEARTBEAT", DEFAULT_HEARTBEAT)
    try:
        seconds = int(raw)
    except ValueError:
        seconds = None
    if seconds is None or not (seconds == 0 or 5 <= seconds <= 600):
        raise ValueError(f"LUOSHI_HEARTBEAT is seconds: 0 (off) or 5 to 600, not {raw!r}")
    return seconds


def consumer_turn(environ):
    """LUOSHI_CONSUMER_TURN_SECONDS: 0.01–1. A service stops, and a provider leaves
    its consumer, only at a turn; each turn without a frame is one select timing out."""
    raw = environ.get("LUOSHI_CONSUMER_TURN_SECONDS", DEFAULT_CONSUMER_TURN)
    try:
        seconds = float(raw)
    except ValueError:
        seconds = None
    if seconds is None or not 0.01 <= seconds <= 1:
        raise ValueError(f"LUOSHI_CONSUMER_TURN_SECONDS is seconds from 0.01 to 1, not {raw!r}")
    return seconds


def from_environment(environ=None):
    """The nameko config of a service process, from LUOSHI_* variables."""
    environ = os.environ if environ is None else environ
    config = {key: value for key, value in environ.items() if key.startswith("LUOSHI_")}
    config["AMQP_URI"] = environ.get("LUOSHI_AMQP_URI", DEFAULT_AMQP_URI)
    config["HEARTBEAT"] = heartbeat(environ)
    config["CONSUMER_TURN"] = consumer_turn(environ)
    config["max_workers"] = int(environ.get("LUOSHI_MAX_WORKERS", 10))
    config["serializer"] = "json"
    config["LOGGING"] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"level": environ.get("LUOSHI_LOG_LEVEL", "INFO"), "handlers": ["console"]},
    }
    return config
