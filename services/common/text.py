"""Text a database can store, checked before it reaches one.

PostgreSQL refuses NUL in text and JSON, and a driver refuses an unpaired
surrogate: unchecked, either fails the whole transaction, so one bad note would
cost a county's whole batch. Other control characters (all but tab, newline and
carriage return) are refused too: no person types them, and they break the
portal, the spreadsheets and the PDF. Each refusal names a stable code beside
its Chinese words.
"""
import re

from .errors import InvalidInput

CONTROL_CHARACTER = "text_control_character"
UNPAIRED_SURROGATE = "text_unpaired_surrogate"
TOO_LONG = "text_too_long"
MESSAGES = {
    CONTROL_CHARACTER: "文本含有无法保存的控制字符（如 NUL），请删除后重新提交",
    UNPAIRED_SURROGATE: "文本含有无效的 Unicode 字符（未配对的代理项），请检查编码后重新提交",
    TOO_LONG: "文本过长，请缩短后重新提交",
}
# Longer than any column of any service: a string past it is refused whatever
# field it came in, before a schema's own, shorter limit is even asked.
MAX_TEXT = 20_000

# A str decoded from JSON holds a surrogate only when it was unpaired.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# Either of the two: one search of the text, which nearly all text passes.
_EITHER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, max_length: int = MAX_TEXT) -> str | None:
    """The code of what makes `value` unstorable, or None."""
    if not _EITHER.search(value):
        return TOO_LONG if len(value) > max_length else None
    if _CONTROL.search(value):
        return CONTROL_CHARACTER
    if _SURROGATE.search(value):
        return UNPAIRED_SURROGATE
    if len(value) > max_length:
        return TOO_LONG
    return None


def describe(code: str) -> str:
    """The message of a refusal: its stable code, then its words."""
    return f"{code}: {MESSAGES[code]}"


def unstorable(value):
    """Per-field errors for the strings in `value` (a str, or lists and dicts of
    them, keys included) that cannot be stored, shaped as marshmallow's; None
    when all can."""
    kind = type(value)
    if kind is int or kind is float or kind is bool or value is None:
        return None  # most of a payload's values beside its text
    if isinstance(value, str):
        problem = text_problem(value)
        return [describe(problem)] if problem else None
    if isinstance(value, dict):
        errors = {}
        for key, item in value.items():
            if isinstance(key, str) and (problem := text_problem(key)):
                # Not the key itself: it may be what cannot be stored or shown.
                errors["_key"] = [describe(problem)]
                continue
            problem = unstorable(item)
            if problem:
                errors[key] = problem
        return errors or None
    if isinstance(value, (list, tuple)):
        errors = {index: problem for index, item in enumerate(value)
                  if (problem := unstorable(item))}
        return errors or None
    return None


def refuse_unstorable(**arguments) -> None:
    """Raise InvalidInput naming each argument that holds unstorable text."""
    errors = unstorable(arguments)
    if errors:
        raise InvalidInput(errors)
