"""Where a task stands after its reports (services/common/progress.py): the rule
the tasks service keeps on its table and the warnings service on its copy."""
import datetime as dt

from services.common.progress import after_reports

MAY_1, MAY_9 = dt.datetime(2026, 5, 1, 8), dt.datetime(2026, 5, 9, 8)


def test_the_last_report_wins_and_the_latest_moment_is_kept():
    assert after_reports(40, None, [(60, MAY_9), (70, MAY_1)]) == (70, MAY_9)


def test_a_lower_last_report_stands_as_a_correction_does():
    assert after_reports(80, MAY_1, [(90, MAY_1), (75, MAY_9)]) == (75, MAY_9)


def test_the_moment_before_the_reports_counts_too():
    assert after_reports(40, MAY_9, [(50, MAY_1)]) == (50, MAY_9)


def test_no_reports_leave_the_standing_as_it_was():
    assert after_reports(40, MAY_1, []) == (40, MAY_1)
    assert after_reports(0, None, []) == (0, None)
