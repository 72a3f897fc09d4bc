"""Text a database can store: the services' check (services/common/text.py) and
the gateway's (gateway/text.py) agree on every kind of character."""
import pytest
from pydantic_core import PydanticCustomError

from gateway import text as gateway_text
from services.common import text as service_text
from services.common.errors import InvalidInput

CASES = {
    "袁州区 plain": None,
    "tab\tnew\nline\rreturn": None,
    "😀 paired surrogates decode as one character": None,
    "nul\u0000": "text_control_character",
    "bell\u0007": "text_control_character",
    "escape\u001b": "text_control_character",
    "delete\u007f": "text_control_character",
    "c1\u0085": "text_control_character",
    "high\ud800": "text_unpaired_surrogate",
    "low\udfff": "text_unpaired_surrogate",
    "x" * 20_001: "text_too_long",
}


@pytest.mark.parametrize("value, code", CASES.items(), ids=range(len(CASES)))
def test_both_sides_name_the_same_problem(value, code):
    assert service_text.text_problem(value) == code
    assert gateway_text.text_problem(value) == code


def test_the_services_name_each_field_item_and_key():
    errors = service_text.unstorable({"name": "ok", "note": "a\u0000", "targets": [
        {"description": "fine"}, {"description": "b\ud800"}], "data": {"k\u0000": 1}})
    assert set(errors) == {"note", "targets", "data"}
    assert errors["note"][0].startswith("text_control_character: ")
    assert list(errors["targets"]) == [1]
    assert list(errors["data"]) == ["_key"]
    with pytest.raises(InvalidInput) as refusal:
        service_text.refuse_unstorable(reason="r\u0000", code="T1")
    assert refusal.value.detail == {"reason": [service_text.describe("text_control_character")]}
    service_text.refuse_unstorable(reason="好", code=None, limit=10)


def test_the_gateway_refuses_with_the_code_as_the_error_type_and_escapes_for_the_log():
    with pytest.raises(PydanticCustomError) as refusal:
        gateway_text.check_storable({"units": ["ok", "b\u0000"]})
    assert refusal.value.type == "text_control_character"
    assert gateway_text.escaped({"a\u0000": ["b\ud800", 1]}) == {"a\\u0000": ["b\\ud800", 1]}
