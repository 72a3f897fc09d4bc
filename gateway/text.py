"""Text a database can store, checked at the door (the services check it again).

PostgreSQL refuses NUL in text and JSON and a driver refuses an unpaired
surrogate, so such a string would fail a whole transaction; other control
characters (all but tab, newline and carriage return) are refused too, since no
person types them and they break the portal, spreadsheets and PDFs. Each
refusal carries a stable code (the error's `type`) beside its Chinese words.
The same rules as services/common/text.py, kept apart because the gateway
imports no service code.
"""
import re

from pydantic_core import PydanticCustomError

CONTROL_CHARACTER = "text_control_character"
UNPAIRED_SURROGATE = "text_unpaired_surrogate"
TOO_LONG = "text_too_long"
MESSAGES = {
    CONTROL_CHARACTER: "文本含有无法保存的控制字符（如 NUL），请删除后重新提交",
    UNPAIRED_SURROGATE: "文本含有无效的 Unicode 字符（未配对的代理项），请检查编码后重新提交",
    TOO_LONG: "文本过长，请缩短后重新提交",
}
# Longer than any field the API takes: a field without its own limit stops here.
MAX_TEXT = 20_000

# A str decoded from JSON or a URL holds a surrogate only when it was unpaired.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, max_length: int = MAX_TEXT) -> str | None:
    """The code of what makes `value` unstorable, or None."""
    if _CONTROL.search(value):
        return CONTROL_CHARACTER
    if _SURROGATE.search(value):
        return UNPAIRED_SURROGATE
    if len(value) > max_length:
        return TOO_LONG
    return None


def first_problem(value) -> str | None:
    """The first problem of the strings in `value` (lists and dicts walked, keys
    included), or None."""
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, dict):
        for key, item in value.items():
            problem = first_problem(key) or first_problem(item)
            if problem:
                return problem
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            problem = first_problem(item)
            if problem:
                return problem
    return None


def check_storable(value):
    """Pydantic validator: `value` unchanged, or a field error typed by its code."""
    problem = first_problem(value)
    if problem:
        raise PydanticCustomError(problem, MESSAGES[problem])
    return value


def escaped(value):
    """`value` with each unstorable character written as its escape (\\u0000 for
    NUL): what the audit log keeps of a refused request, so that the refusal is
    recorded too."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", value)
    if isinstance(value, dict):
        return {escaped(key): escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escaped(item) for item in value]
    return value
