"""`make run` gives each replica on the machine a metrics port of its own."""
import pytest

from deploy.run import metrics_ports

NAMES = ["tasks-1", "tasks-2", "warnings", "ranking", "notify"]


@pytest.mark.parametrize("setting", [None, "", "0", "off"])
def test_metrics_are_off_unless_asked_for(setting):
    assert metrics_ports(NAMES, setting, "127.0.0.1") == {}


def test_a_first_port_is_handed_out_in_turn():
    assert metrics_ports(NAMES, "9100", "127.0.0.1") == {
        "tasks-1": 9100, "tasks-2": 9101, "warnings": 9102, "ranking": 9103, "notify": 9104}


def test_auto_gives_every_replica_a_free_port():
    ports = metrics_ports(NAMES, "auto", "127.0.0.1")
    assert set(ports) == set(NAMES)
    assert all(port > 0 for port in ports.values())


def test_a_bad_setting_stops_the_runner():
    with pytest.raises(SystemExit, match="LUOSHI_METRICS_PORT"):
        metrics_ports(NAMES, "nine", "127.0.0.1")
