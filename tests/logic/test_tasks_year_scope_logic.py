"""The year scope and the due month of the task list, as the tasks service's
logic reads them: the year begins at the city's midnight, not UTC's."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.common.errors import InvalidInput
from services.tasks.logic import month_span, year_scope


def test_a_year_begins_at_the_citys_midnight():
    scope = year_scope("2026", ZoneInfo("Asia/Shanghai"))
    assert (scope.first, scope.last) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert scope.since == dt.datetime(2025, 12, 31, 16)


@pytest.mark.parametrize("year", ["1999", "2101", "202", "9" * 5000, "", None, True, 2026.0])
def test_a_year_out_of_bounds_or_not_a_year_is_refused(year):
    with pytest.raises(InvalidInput) as refused:
        year_scope(year, ZoneInfo("Asia/Shanghai"))
    assert refused.value.detail["year"]["code"] == "year_invalid"


def test_a_month_spans_its_days():
    assert month_span("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert month_span("2028-02") == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-12", "2026-12-01", None, "x-y"])
def test_a_month_not_written_year_dash_month_is_refused(month):
    with pytest.raises(InvalidInput) as refused:
        month_span(month)
    assert refused.value.detail["due_month"]["code"] == "month_invalid"
