"""The warnings service's reads: the colours, the red list, a task's history,
the one screen, the trend and the 13710 deadlines. Nothing here writes."""
import datetime as dt

from services.common.clock import iso
from services.common.consuming import rpc
from services.common.paging import MAX_LIMIT, page
from services.common.text import refuse_unstorable

from . import logic, notices
from . import repository as repo
from .calendar import calendar_in_force
from .exceptions import EXPECTED, CalendarNotCovered, InvalidInput


class QueryEntrypoints:
    """Mixed into the warnings Service: needs self.db, self.clock,
    self.known_targets."""

    @rpc(expected_exceptions=EXPECTED)
    def list_warnings(self, colour=None, unit=None, task=None, item_kind=None,
                      limit=100, offset=0):
        """Colour states, oldest first."""
        refuse_unstorable(colour=colour, unit=unit, task=task, item_kind=item_kind)
        if colour is not None and colour not in logic.SEVERITY:
            raise InvalidInput({"colour": "green, yellow or red"})
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.list_colours(session, limit, offset, colour=colour, unit=unit,
                                     task=task, item_kind=item_kind)

    @rpc(expected_exceptions=EXPECTED)
    def list_red_items(self, limit=MAX_LIMIT):
        """The red tasks among the first `limit` to turn red, in the one screen's
        order (logic.red_order): {"items": [{task, unit, since, days_red,
        overdue_days, reason}], "as_of"}."""
        limit, _ = page(limit, 0)
        today = self.clock.today()
        with self.db.session(readonly=True) as session:
            rows = repo.red_tasks(session, limit)
            tasks = {task.code: task for task in repo.load_tasks(
                session, [row.task_code for row in rows], self.known_targets)} if rows else {}
        items = [{"task": row.task_code, "unit": row.unit, "since": row.since.isoformat(),
                  "days_red": logic.days_in_colour(row.since, today),
                  "overdue_days": logic.overdue_days(tasks[row.task_code], today),
                  "reason": logic.words(row.reason, row.percent)}
                 for row in rows if row.task_code in tasks]
        items.sort(key=logic.red_order)
        return {"items": items, "as_of": today.isoformat()}

    @rpc
    def get_task_colours(self, codes):
        """{code: {colour, reason, since, days, targets: {seq: {colour, reason}}}}:
        `days` the whole days the task has had its colour by today (亮红灯天数 for a
        red one: the same count as list_red_items' days_red)."""
        today = self.clock.today()
        with self.db.session(readonly=True) as session:
            answer = repo.task_colours(session, codes)
        for entry in answer.values():
            entry["days"] = logic.days_in_colour(entry["since"], today)
        return answer

    @rpc(expected_exceptions=EXPECTED)
    def get_task_history(self, code, limit=MAX_LIMIT, offset=0):
        """Every colour change of a task's items, oldest first: {"items":
        [{item_kind, item_key, unit, colour, previous, reason, rule_version, as_of,
        changed_at}], "total"}."""
        refuse_unstorable(code=code)
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.task_history(session, code, limit, offset)

    @rpc
    def get_evaluation_figures(self, colours=True):
        """What has been applied so far, for operators and benchmarks:
        {"tasks", "reports_applied", "colours": {green, yellow, red}}; without
        `colours` (a poller's question, asked many times a second while a load
        is applied: counting the city's 155,000 items each time would take a
        share of the core that applies it) only "tasks" and "reports_applied"."""
        with self.db.session(readonly=True) as session:
            tasks, reports = repo.evaluation_figures(session)
            by_colour = repo.colour_totals(session) if colours else None
        figures = {"tasks": tasks, "reports_applied": int(reports)}
        if colours:
            figures["colours"] = {colour: by_colour.get(colour, 0) for colour in logic.SEVERITY}
        return figures

    @rpc(expected_exceptions=EXPECTED)
    def get_dashboard(self, batch=None):
        """The one-screen counts: the tasks in hand by colour, per unit, and the
        notices: {"counts", "units": [{unit, green, yellow, red, worst}],
        "finished_this_year" (the tasks closed or explained since 1 January),
        "notices": {open, acknowledged, answered, overdue, issued_this_year,
        closed_this_year}, "pending_first_report" (of the green, the new tasks
        waiting for their first report), "forecast_red" (the tasks not red
        forecast red within forecast_red_days), "batch", "as_of"}. With a `batch`, the
        tasks' counts are that batch's (the notices stay the city's). A task
        closed or explained is counted apart from its day on, in its year: the
        colours are of the work still to do, and the years' finished tasks would
        otherwise grow the green for as long as the office runs. Cancelled tasks
        are not counted."""
        refuse_unstorable(batch=batch)
        today = self.clock.today()
        with self.db.session(readonly=True) as session:
            rows = repo.task_colours_by_unit(session, batch)
            waiting = repo.waiting_first_report(session, batch)
            finished = repo.finished_in(session, today.replace(month=1, day=1), today, batch)
            by_status = repo.notice_counts(session)
            issued, closed = repo.notices_of_year(session, today.year)
            forecast_red = repo.soon_red_count(session, batch)
        counts, units = logic.colour_counts(rows)
        return {"counts": counts, "units": units, "finished_this_year": finished,
                "forecast_red": forecast_red,
                "notices": {**notices.pending_counts(by_status),
                            "issued_this_year": issued, "closed_this_year": closed},
                "pending_first_report": waiting, "batch": batch, "as_of": today.isoformat()}

    @rpc
    def get_batch_colours(self):
        """The tasks in hand by colour in each batch: {"items": [{batch, green,
        yellow, red}]} (batch null: the tasks of no batch). Tasks closed,
        explained or cancelled are not counted."""
        with self.db.session(readonly=True) as session:
            by_batch = logic.batch_colours(repo.batch_colour_rows(session))
        return {"items": [{"batch": batch, **counts} for batch, counts in sorted(
            by_batch.items(), key=lambda item: (item[0] is None, item[0] or ""))]}

    @rpc(expected_exceptions=EXPECTED)
    def get_colour_trend(self, weeks=12, as_of=None):
        """How many tasks in hand were green, yellow and red at the end of each of the last
        `weeks` weeks (1–104; the current week ends on `as_of`, default today), from
        the colour history: {"weeks": [{"week_end", "green", "yellow", "red"}], "as_of"}."""
        day = _day(as_of, "as_of") if as_of is not None else self.clock.today()
        if not isinstance(weeks, int) or not 1 <= weeks <= 104:
            raise InvalidInput({"weeks": "a whole number of weeks, 1–104"})
        ends = logic.week_ends(day, weeks)
        with self.db.session(readonly=True) as session:
            counts = logic.counts_at(ends, repo.task_colour_changes(session, ends[-1]),
                                     repo.days_tasks_left(session, ends[-1]))
        return {"weeks": [{"week_end": end.isoformat(), **found}
                          for end, found in zip(ends, counts, strict=True)],
                "as_of": day.isoformat()}

    @rpc(expected_exceptions=EXPECTED)
    def list_clock_deadlines(self, within_days=3, as_of=None, unit=None, limit=100, offset=0):
        """The 13710 stages not yet recorded whose deadline falls within
        `within_days` days of `as_of` (default today) or has passed, soonest first:
        {"items": [{task, unit, stage, stage_name, clock_class, due, red_after,
        days_left (negative: late by so many days), colour, reason}], "total", "as_of"}."""
        refuse_unstorable(unit=unit)
        day = _day(as_of, "as_of") if as_of is not None else self.clock.today()
        if not isinstance(within_days, int) or not 0 <= within_days <= 366:
            raise InvalidInput({"within_days": "a whole number of days, 0–366"})
        limit, offset = page(limit, offset)
        horizon = day + dt.timedelta(days=within_days)
        with self.db.session(readonly=True) as session:
            rules = repo.RULES.current(session)
            calendar = calendar_in_force(session, rules.calendar_mode)
            codes = repo.clock_task_codes(session, unit)
            tasks = repo.load_tasks(session, codes, self.known_targets) if codes else []
            stored = repo.stored_colours(session, codes) if codes else {}
        items = []
        for task in tasks:
            try:
                deadlines = logic.clock_deadlines(task, rules, calendar)
            except CalendarNotCovered:
                continue  # assigned on a day the calendar cannot count from
            for stage, due, red_after in deadlines:
                if due is None or due > horizon:
                    continue
                state = stored.get(("clock", f"{task.code}@{stage}"))
                items.append({
                    "calendar_note": calendar.note(task.start_date, red_after or due) or None,
                    "task": task.code, "unit": task.lead_unit, "stage": stage,
                    "stage_name": logic.STAGE_NAMES[stage], "clock_class": task.clock_class,
                    "due": due.isoformat(), "red_after": iso(red_after),
                    "days_left": (due - day).days,
                    "colour": state.colour if state else None,
                    "reason": logic.words(state.reason, task.percent) if state else None})
        items.sort(key=lambda item: (item["due"], item["task"], logic.STAGES.index(item["stage"])))
        return {"items": items[offset:offset + limit], "total": len(items),
                "as_of": day.isoformat()}


def _day(value, field):
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput({field: "a date as YYYY-MM-DD"}) from None
