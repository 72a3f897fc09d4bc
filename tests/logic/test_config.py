"""The service config read from LUOSHI_* variables."""
import pytest

from services.common.config import DEFAULT_HEARTBEAT, from_environment


def test_heartbeats_default_to_30_seconds_and_may_be_off_or_5_to_600():
    assert from_environment({})["HEARTBEAT"] == DEFAULT_HEARTBEAT == 30
    assert from_environment({"LUOSHI_HEARTBEAT": "0"})["HEARTBEAT"] == 0
    assert from_environment({"LUOSHI_HEARTBEAT": "5"})["HEARTBEAT"] == 5
    assert from_environment({"LUOSHI_HEARTBEAT": "600"})["HEARTBEAT"] == 600


@pytest.mark.parametrize("raw", ["1", "4", "601", "-5", "thirty", ""])
def test_a_heartbeat_out_of_range_is_refused_with_what_is_allowed(raw):
    with pytest.raises(ValueError, match="0 \\(off\\) or 5 to 600"):
        from_environment({"LUOSHI_HEARTBEAT": raw})


def test_a_consumer_turns_every_fifth_of_a_second_unless_set():
    assert from_environment({})["CONSUMER_TURN"] == 0.2
    assert from_environment({"LUOSHI_CONSUMER_TURN_SECONDS": "0.05"})["CONSUMER_TURN"] == 0.05
    assert from_environment({"LUOSHI_CONSUMER_TURN_SECONDS": "1"})["CONSUMER_TURN"] == 1


@pytest.mark.parametrize("raw", ["0", "0.001", "2", "-0.1", "fast", ""])
def test_a_consumer_turn_out_of_range_is_refused_with_what_is_allowed(raw):
    with pytest.raises(ValueError, match="from 0.01 to 1"):
        from_environment({"LUOSHI_CONSUMER_TURN_SECONDS": raw})
