"""Each service validates its settings when its container starts: a bad value
stops it there, naming the variable, instead of failing when first read."""
import importlib

import pytest

from services.common.settings import SettingsError
from tests.support.services import prepare, service_config

BAD = {
    "tasks": ("LUOSHI_EVIDENCE_MAX_BYTES", "ten megabytes"),
    "warnings": ("LUOSHI_EVALUATION_HOUR", "25"),
    # Also read at set-up, where the broker would refuse a retry queue with a
    # negative delay: the settings refuse it first, when the container is made.
    "ranking": ("LUOSHI_RETRY_DELAYS", "5,-1"),
    "notify": ("LUOSHI_BULLETIN_WEEKDAY", "Monday"),
}


@pytest.mark.parametrize("service", sorted(BAD))
def test_a_bad_setting_stops_the_service_at_start_naming_it(
        container_factory, amqp_uri, tmp_path, service):
    variable, value = BAD[service]
    config = service_config(amqp_uri, tmp_path, **{variable: value})
    service_class = importlib.import_module(f"services.{service}.service").Service
    # Already the migrate step, which declares the queues from a container, refuses.
    with pytest.raises(SettingsError) as refusal:
        prepare(config, service)
    assert variable in str(refusal.value)
    with pytest.raises(SettingsError) as refusal:
        container_factory(service_class, config).start()
    assert variable in str(refusal.value)
