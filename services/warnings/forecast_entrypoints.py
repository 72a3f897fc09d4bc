"""The forecast colour's entrypoints and the step every evaluation ends with:
each task it touched is forecast from its own reports (forecast.py), the tasks
forecast red within the rules' days are an early warning of their own, and
what every forecast red came to on its day is kept for the office."""
import datetime as dt

from services.common.consuming import applied_once, event_handler, rpc
from services.common.events import new_event
from services.common.paging import page
from services.common.text import refuse_unstorable

from . import events, forecast, logic
from . import repository as repo
from .calendar import calendar_in_force
from .exceptions import EXPECTED, CalendarNotCovered, InvalidInput
from .schemas import TasksJudgedIn

# The office's look back at the forecasts' accuracy, unless it asks otherwise.
ACCURACY_DAYS = 90


class ForecastEntrypoints:
    """Mixed into the warnings Service: needs self.db, self.clock,
    self.known_targets."""

    def _forecast(self, session, as_of, rules, calendar, tasks, colour_of):
        """Forecast `tasks` (logic.Task) as of a day and store the forecasts, one
        row a task, set-based; `colour_of` is {code: the task's colour now}.
        Emits forecast_turned_red for the tasks forecast red within
        rules.forecast_red_days that were not before, keeps a check for each,
        and judges the checks of these tasks whose day has come. Answers how many
        turned."""
        if not tasks:
            return 0
        codes = [task.code for task in tasks]
        points = repo.points_of(session, codes, forecast.WINDOW)
        before = repo.soon_red_since(session, codes)
        rows, turned = [], []
        for task in tasks:
            try:
                found = forecast.forecast_task(
                    task, [forecast.Point(*point) for point in points.get(task.code, ())],
                    as_of, rules, calendar)
                soon = forecast.soon_red(found, colour_of.get(task.code), rules, calendar)
            except CalendarNotCovered:
                continue  # a date beyond the calendar: no forecast rather than a wrong one
            if found is None:
                continue
            since = (before.get(task.code) or as_of) if soon else None
            if soon and task.code not in before:
                turned.append(found)
            rows.append(_row(found, soon, since, rules.version))
        repo.replace_forecasts(session, codes, rows)
        if turned:
            repo.add_forecast_checks(session, [
                {"task_code": found.task, "unit": found.unit, "forecast_on": as_of,
                 "red_on": found.red_on} for found in turned])
            self.db.emit(session, events.FORECAST_TURNED_RED, events.ForecastTurnedRed().dump(
                new_event(as_of=as_of.isoformat(), forecasts=[{
                    "task": found.task, "unit": found.unit,
                    "colour": colour_of.get(found.task) or logic.GREEN,
                    "red_on": found.red_on.isoformat(), "due": found.headline.due.isoformat(),
                    "planned": found.headline.planned,
                    "projected": round(found.headline.projected, 1), "words": found.words}
                    for found in turned])))
        due = repo.due_forecast_checks(session, as_of, codes)
        if due:
            repo.judge_forecast_checks(session, {
                id_: forecast.outcome(colour_of.get(code)) for id_, code in due}, as_of)
        return len(turned)

    @event_handler("warnings", "tasks_judged")
    @applied_once(TasksJudgedIn)
    def on_tasks_judged(self, session, event):
        """Forecast the tasks an evaluation judged (a batch of reports, or a chunk
        of the city's), as of the day they were judged, with their colours as
        stored now: the step that follows an evaluation instead of holding it
        up. Emits forecast_turned_red as an evaluation's forecasts do."""
        as_of = dt.date.fromisoformat(event["as_of"])
        rules = repo.RULES.current(session)
        calendar = calendar_in_force(session, rules.calendar_mode)
        if not calendar.covers(as_of):
            return  # the colours were not judged either; the daily evaluation says so
        codes = repo.task_codes(session, event["tasks"])  # a task cancelled since: none
        # Handled out of order (a backlog, several at once), a day's forecast must
        # not replace a later day's.
        later = repo.forecast_later(session, codes, as_of)
        codes = [code for code in codes if code not in later]
        tasks = repo.load_tasks(session, codes, self.known_targets)
        colour_of = repo.colour_of_tasks(session, codes)
        self._forecast(session, as_of, rules, calendar, tasks, colour_of)

    @rpc(expected_exceptions=EXPECTED)
    def list_forecasts(self, unit=None, colour=None, soon_red=None, task=None, batch=None,
                       limit=100, offset=0):
        """The tasks' forecasts, the soonest to turn red first: {"items": [{task,
        unit, as_of, colour (at the due date it speaks of), due, planned,
        projected, low, high, red_on, pace (points a working day), spread,
        reports, soon_red, soon_red_since, words, dates: [{due, planned,
        projected, low, high, colour}], rule_version}], "total", "as_of",
        "forecast_red_days"}. `soon_red` true: only the early warnings (tasks not
        red forecast red within forecast_red_days)."""
        refuse_unstorable(unit=unit, colour=colour, task=task, batch=batch)
        if colour is not None and colour not in logic.SEVERITY:
            raise InvalidInput({"colour": "green, yellow or red"})
        if soon_red is not None and not isinstance(soon_red, bool):
            raise InvalidInput({"soon_red": "true or false"})
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            answer = repo.list_forecasts(session, limit, offset, unit=unit, colour=colour,
                                         soon_red=soon_red, task=task, batch=batch)
            rules = repo.RULES.current(session)
        return {**answer, "as_of": self.clock.today().isoformat(),
                "forecast_red_days": rules.forecast_red_days}

    @rpc(expected_exceptions=EXPECTED)
    def get_forecast_accuracy(self, days=ACCURACY_DAYS, as_of=None, unit=None):
        """How the forecasts red of the last `days` days (1–366; their day, red_on,
        within them, up to `as_of`, default today) came out: {"days", "since",
        "as_of", "forecast_red" (judged), "turned_red", "not_red", "pending" (day
        come, not judged yet), "accuracy" (turned_red / forecast_red, null when
        none), "words"}."""
        refuse_unstorable(unit=unit)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
            raise InvalidInput({"days": "a whole number of days, 1–366"})
        try:
            day = self.clock.today() if as_of is None else dt.date.fromisoformat(as_of)
        except (TypeError, ValueError):
            raise InvalidInput({"as_of": "a date as YYYY-MM-DD"}) from None
        since = day - dt.timedelta(days=days - 1)
        with self.db.session(readonly=True) as session:
            counts = repo.forecast_check_counts(session, since, day, unit)
        return {"days": days, "since": since.isoformat(), "as_of": day.isoformat(),
                **forecast.accuracy(counts.get("red", 0), counts.get("not_red", 0),
                                    counts.get(None, 0), days)}


def _row(found, soon, since, version):
    headline = found.headline
    return {
        "task_code": found.task, "unit": found.unit, "as_of": found.as_of,
        "colour": headline.colour, "due": headline.due, "planned": headline.planned,
        "projected": headline.projected, "low": headline.low, "high": headline.high,
        "red_on": found.red_on, "pace": found.pace.pace, "spread": found.pace.spread,
        "reports": found.pace.reports, "soon_red": soon, "soon_red_since": since,
        "words": found.words, "rule_version": version,
        "dates": [{"due": date.due.isoformat(), "planned": date.planned,
                   "projected": round(date.projected, 1), "low": round(date.low, 1),
                   "high": round(date.high, 1), "colour": date.colour}
                  for date in found.dates]}
