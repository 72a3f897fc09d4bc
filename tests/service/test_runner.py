"""The service runner, up to where nameko's own runner takes over."""
import gc

from services.launch import runner


def test_a_service_starts_with_what_was_alive_before_it_out_of_the_collectors_sight(
        monkeypatch):
    started = {}
    monkeypatch.setattr("services.common.broker.wait_for_broker", lambda uri: None)
    monkeypatch.setattr("logging.config.dictConfig", lambda config: None)
    monkeypatch.setattr("nameko.cli.run.run", lambda services, config: started.update(
        services=services, frozen=gc.get_freeze_count()))
    try:
        runner.main(["warnings"])
    finally:
        gc.unfreeze()
    assert [service.name for service in started["services"]] == ["warnings"]
    # The service's code and its libraries', not a handful of objects.
    assert started["frozen"] > 20_000
