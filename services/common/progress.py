"""Where a task stands after its progress reports: one rule for every service
that keeps a task's latest percentage (tasks on its table, warnings on the copy
it watches). Pure: no nameko, no database."""


def after_reports(percent, reported_at, reports):
    """(percent, reported_at) of a task after `reports`, (percent, moment) pairs
    in the order they were accepted, from its standing before them (`reported_at`
    None when no moment is known yet).

    The last report wins: it is the newest word on the task whatever moment it
    names (a county system may send a report late, or correct one on purpose), so
    its percentage stands; the moment kept is the latest any report names. The
    moments must be comparable with each other: all naive UTC, or all aware.
    """
    for report_percent, moment in reports:
        percent = report_percent
        reported_at = moment if reported_at is None else max(reported_at, moment)
    return percent, reported_at
