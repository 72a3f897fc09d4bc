"""The paging arguments every list query takes, checked the same way everywhere."""
from .errors import InvalidInput

MAX_LIMIT = 1000
# Beyond any real list, and within what every database holds as a row number.
MAX_OFFSET = 2**31 - 1


def page(limit, offset):
    """(limit, offset) as whole numbers; InvalidInput unless 1 ≤ limit ≤ 1000 and
    0 ≤ offset < 2³¹."""
    try:
        limit, offset = int(limit), int(offset)
    except (TypeError, ValueError):
        raise InvalidInput({"limit": "limit and offset are whole numbers"}) from None
    if not (1 <= limit <= MAX_LIMIT) or not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput({"limit": f"limit is 1–{MAX_LIMIT}, offset 0–{MAX_OFFSET}"})
    return limit, offset
