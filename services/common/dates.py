"""Dates as people read them: 2026年4月30日, as an office dates its documents.

Words a person reads carry these; fields a machine reads keep ISO dates."""


def chinese_date(day):
    """2026年4月30日 of a date (or datetime: its day)."""
    return f"{day.year}年{day.month}月{day.day}日"
