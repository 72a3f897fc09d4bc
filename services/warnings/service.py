"""The warnings service's entrypoints: keep a copy of the tasks it judges, colour
them on events and on time by the rules in force, issue and track supervision
notices, and answer what is late."""
import datetime as dt
import functools
import gc
import logging
import uuid

from services.common.clock import Clock, utcnow
from services.common.collector import collector_paused
from services.common.consuming import applied_once, event_handler, rpc
from services.common.dumping import dumper
from services.common.events import new_event
from services.common.leases import claim_timer_run
from services.common.operations import Operations
from services.common.paging import page
from services.common.scope import require_role
from services.common.sessions import Database
from services.common.settings import Settings
from services.common.text import refuse_unstorable
from services.common.timers import timer

from . import events, logic, notices
from . import repository as repo
from .accountability_entrypoints import AccountabilityEntrypoints
from .calendar import DAYS_LEFT, calendar_in_force
from .calendar_entrypoints import CalendarEntrypoints
from .dependencies import KnownTargets
from .exceptions import EXPECTED, CalendarNotCovered, InvalidInput
from .forecast_entrypoints import ForecastEntrypoints
from .notice_entrypoints import NoticeEntrypoints
from .query_entrypoints import QueryEntrypoints
from .schemas import (
    ClockStageRecordedIn,
    CommitmentChangedIn,
    ProgressReceiptCorrectedIn,
    ProgressReportedIn,
    TaskCreatedIn,
    TaskExtendedIn,
    TaskReplannedIn,
    TasksImportedIn,
    TaskStatusChangedIn,
    TaskUpdatedIn,
    UnitsMergedIn,
    VerificationRequestedIn,
    VerificationReturnedIn,
)
from .settings import WarningsSettings

log = logging.getLogger(__name__)
# An evaluation that meets this many tasks for the first time (a container's first
# of the city) ends with a full collection: see _evaluate_now.
FIRST_MET = 5_000
UTC = dt.UTC


# The daily evaluation warns this many days before the working-day calendar ends.
CALENDAR_NOTICE_DAYS = 60
# Tasks judged together in an evaluation of many (see _evaluate_now).
EVALUATION_CHUNK = 2000


class Service(AccountabilityEntrypoints, CalendarEntrypoints, ForecastEntrypoints,
              NoticeEntrypoints, QueryEntrypoints, Operations):
    """Colours every target, 13710 stage, commitment and task green / yellow / red
    by the rules in force, and tracks the supervision notices of red tasks.

    Emits colour_changed (one event per evaluation that changed something, or per
    chunk of an evaluation of every task), rules_changed, notice_issued,
    notice_acknowledged, notice_answered, notice_closed and notice_overdue;
    forecast_turned_red (forecast_entrypoints.py); and the events of the
    accountability records (accountability_entrypoints.py).
    """

    name = "warnings"

    # An evaluation reads the stored colours and writes what changed: two
    # replicas evaluating the same task at once would both record the same
    # change. Its writers therefore take turns, on PostgreSQL as on SQLite.
    db = Database(one_writer=True)
    clock = Clock()
    settings = Settings(WarningsSettings)
    known_targets = KnownTargets()

    # Events from the tasks service -------------------------------------------
    # Each handler stores what it learnt and re-colours only the tasks it names,
    # as of the local today, in the transaction that records its event_id.

    @event_handler("tasks", "task_created")
    @applied_once(TaskCreatedIn)
    def on_task_created(self, session, event):
        self._tasks_created(session, [event["task"]])

    @event_handler("tasks", "tasks_imported")
    @applied_once(TasksImportedIn)
    def on_tasks_imported(self, session, event):
        """A slice of an import: kept and coloured set-based, like a batch of reports."""
        self._tasks_created(session, event["tasks"])

    @event_handler("tasks", "progress_reported")
    @applied_once(ProgressReportedIn)
    def on_progress_reported(self, session, event):
        """A whole batch of reports: one read, one update and one evaluation of its
        tasks, whatever the batch's size."""
        by_task = {}
        for report in event["reports"]:  # the batch is in order; the last word counts
            by_task.setdefault(report["task"], []).append(report)
        known = repo.reported_tasks(session, by_task)
        # A batch's reports mostly share one receipt (the moment it arrived): its
        # day is found once, not twice a report (a third of after_reports' time).
        day_of = functools.cache(self.clock.day_of)
        reported = [logic.after_reports(known[code], items, day_of)
                    for code, items in by_task.items() if code in known]
        repo.store_reports(session, reported)
        # Each reporting day's last percentage, for the forecast's pace.
        repo.keep_points(session, {
            (report["task"], day_of(logic.received_of(report))): report["percent"]
            for report in event["reports"] if report["task"] in known})
        today, version = self.clock.today(), repo.RULES.current(session).version
        # A report judged again is forecast again in the step that follows the
        # batch (tasks_judged); one that changes nothing is forecast at the next
        # evaluation (the daily one at the latest): most reports of a city are
        # such, and stay cheap.
        self._evaluate_on_event(session, [
            task.code for task in reported
            if not logic.still_holds(known[task.code], task.percent, today, version)],
            forecast_now=False)

    @event_handler("tasks", "progress_receipt_corrected")
    @applied_once(ProgressReceiptCorrectedIn)
    def on_progress_receipt_corrected(self, session, event):
        """The office moved when a report was received: the task's reports stand
        where the event says by receipt, and the task is judged again."""
        code = event["report"]["task"]
        if code not in repo.reported_tasks(session, [code]):
            return
        last, rise = event["last_received_at"], event["last_rise_received_at"]
        repo.set_receipts(session, code, logic.naive_utc(last), self.clock.day_of(last),
                          rise and self.clock.day_of(rise))
        self._evaluate_on_event(session, [code])

    @event_handler("tasks", "task_closed")
    @applied_once(TaskStatusChangedIn)
    def on_task_closed(self, session, event):
        self._status_changed(session, event)

    @event_handler("tasks", "task_explained")
    @applied_once(TaskStatusChangedIn)
    def on_task_explained(self, session, event):
        self._status_changed(session, event)

    @event_handler("tasks", "clock_stage_recorded")
    @applied_once(ClockStageRecordedIn)
    def on_clock_stage_recorded(self, session, event):
        """A 13710 stage done: kept as the local day the platform received it (the
        unit's own time of it is information only)."""
        stage = event
        repo.add_clock_stage(session, stage["task"], stage["stage"],
                             self.clock.day_of(logic.received_of(stage)))
        self._evaluate_on_event(session, [stage["task"]])

    @event_handler("tasks", "commitment_made")
    @applied_once(CommitmentChangedIn)
    def on_commitment_made(self, session, event):
        commitment = event["commitment"]
        repo.keep_commitment(session, commitment)
        self._evaluate_on_event(session, [commitment["task"]])

    @event_handler("tasks", "commitment_fulfilled")
    @applied_once(CommitmentChangedIn)
    def on_commitment_fulfilled(self, session, event):
        commitment = event["commitment"]
        repo.keep_commitment(session, commitment)
        self._evaluate_on_event(session, [commitment["task"]])

    # 复核: a step a unit claims waits for the office (tasks' verification). While it
    # waits, it is not the unit's lateness: the claimed stage counts as received
    # when the unit recorded it, the commitment as kept, so neither turns red on
    # the office's time. Sent back, the claim is withdrawn and the item is judged
    # as it stands; confirmed, the fact event (clock_stage_recorded,
    # commitment_fulfilled) arrives and settles it.
    @event_handler("tasks", "verification_requested")
    @applied_once(VerificationRequestedIn)
    def on_verification_requested(self, session, event):
        item = event["verification"]
        if not event["pending"] or item["kind"] not in ("clock_stage", "commitment"):
            return  # counted at once: its fact event follows; a closure is at 100%
        if item["kind"] == "clock_stage":
            claim = item["claim"]
            repo.add_clock_stage(session, item["task"], item["subject"], self.clock.day_of(
                claim["received_at"] or claim["recorded_at"]))
        else:
            repo.set_commitment_status(session, int(item["subject"]), logic.FULFILLED)
        self._evaluate_on_event(session, [item["task"]])

    @event_handler("tasks", "verification_returned")
    @applied_once(VerificationReturnedIn)
    def on_verification_returned(self, session, event):
        item = event["verification"]
        if item["kind"] == "clock_stage":
            repo.drop_clock_stage(session, item["task"], item["subject"])
        elif item["kind"] == "commitment":
            repo.set_commitment_status(session, int(item["subject"]), "open")
        else:
            return
        self._evaluate_on_event(session, [item["task"]])

    @event_handler("tasks", "task_extended")
    @applied_once(TaskExtendedIn)
    def on_task_extended(self, session, event):
        """An approved extension of the task's (seq None) or a target's due date."""
        extension = event
        repo.add_extension(session, extension["task"], extension["seq"],
                           extension["new_due_date"])
        self._evaluate_on_event(session, [extension["task"]])

    @event_handler("tasks", "task_updated")
    @applied_once(TaskUpdatedIn)
    def on_task_updated(self, session, event):
        """An edit: the task's dates, class and batch as they now stand; a new lead
        unit answers for the task's colour, its 13710 stages and the targets that
        moved to it from today (the history keeps the unit of each day)."""
        task, changes = event["task"], event["changes"]
        known = repo.update_task(session, task["code"], {
            "lead_unit": task["lead_unit"], "start_date": task["start_date"],
            "due_date": task["due_date"], "clock_class": task["clock_class"],
            "batch": task["batch"]})
        if not known:
            return
        if {"lead_unit", "targets_moved"} & set(changes):
            repo.set_target_units(session, task["code"],
                                  {target["seq"]: target["unit"] for target in task["targets"]})
        if event["previous_lead_unit"]:
            repo.set_lead_colours(session, task["code"], task["lead_unit"])
        self._evaluate_on_event(session, [task["code"]])

    @event_handler("tasks", "task_replanned")
    @applied_once(TaskReplannedIn)
    def on_task_replanned(self, session, event):
        """A new plan: the replaced targets leave the colours (green, with why, as
        their last change), the new ones are judged from now, and the task starts
        fair again (logic.fresh_start)."""
        code = event["task"]
        if repo.watched_task(session, code) is None:
            return
        replaced = {("target", f"{code}#{seq}") for seq in event["replaced"]}
        self._leave(session, code, repo.task_items(session, code, replaced),
                    logic.REPLACED_WORDS)
        added = set(event["added"])
        repo.replace_targets(session, code, event["replaced"],
                             [t for t in event["targets"] if t["seq"] in added],
                             event["effective_on"])
        self._evaluate_on_event(session, [code])

    @event_handler("tasks", "task_cancelled")
    @applied_once(TaskStatusChangedIn)
    def on_task_cancelled(self, session, event):
        """A cancelled task leaves the colours and the counts from today: each of
        its items turns green with why as its last change, then is no longer
        kept or judged; its history stays."""
        code = event["task"]
        if repo.watched_task(session, code) is None:
            return
        repo.cancel_task(session, code,
                         event["effective_on"] or self.clock.day_of(event["occurred_at"]))
        self._leave(session, code, repo.task_items(session, code), logic.CANCELLED_WORDS)
        repo.forget_forecasts(session, code)
        self.known_targets.pop(code, None)  # it is judged no more
        # Nobody answers a notice on a task that is no more: its pending ones close.
        now = utcnow()
        for row in repo.unclosed_notices(session, code):
            repo.close_notice(session, row.id, notices.NOTICE_CLOSED, logic.CANCELLED_WORDS,
                              now, "auto")
            self.db.emit(session, events.NOTICE_CLOSED, events.NoticeClosed().dump(new_event(
                closed_at=now.isoformat(), reason=logic.CANCELLED_WORDS,
                **repo.notice_ids(row))))

    @event_handler("tasks", "units_merged")
    @applied_once(UnitsMergedIn)
    def on_units_merged(self, session, event):
        """A unit merged into another: its open tasks' lead and targets moved."""
        codes = []
        for moved in event["tasks"]:
            if not repo.update_task(session, moved["code"], {"lead_unit": moved["lead_unit"]}):
                continue
            repo.set_target_units(session, moved["code"],
                                  dict.fromkeys(moved["targets"], event["into"]))
            if moved["lead_unit"] != moved["previous_lead_unit"]:
                repo.set_lead_colours(session, moved["code"], moved["lead_unit"])
            codes.append(moved["code"])
        self._evaluate_on_event(session, codes)

    # Time ---------------------------------------------------------------------

    @timer(interval=300, config_key="LUOSHI_EVALUATION_TICK_SECONDS")
    def evaluate_daily(self):
        """Once a day after LUOSHI_EVALUATION_HOUR (local time), re-evaluate every
        task and notice as of today; exactly once however many replicas run.
        Each replica looks every LUOSHI_EVALUATION_TICK_SECONDS (300). When
        the calendar does not cover today the run is left unclaimed (and retried
        at the next tick) with an error in the log. Emits what `evaluate` emits."""
        now = self.clock.now()
        hour = self.settings.evaluation_hour
        with self.db.session(readonly=True) as session:
            coverage = self._coverage(session)  # keeps luoshi_calendar_days_left current
        if now.hour < hour:
            return
        with self.db.session() as session:
            if claim_timer_run(session, "daily-evaluation", now.date().isoformat(),
                               uuid.uuid4().hex):
                result = self._evaluate(session, now.date(), None, forecast_now=False)
                log.info("daily evaluation as of %s: %s", now.date(), result)
                if coverage["warn"]:
                    log.warning("the holidays are entered up to %s, %s days from now: enter "
                                "the next year from the State Council's notice, or its days "
                                "count Monday to Friday, marked provisional",
                                coverage["covers_until"], coverage["days_left"])

    @timer(interval=3600)
    def forget_finished_targets(self):
        """Once a local day in each replica, let go of the targets it keeps
        (KnownTargets) of the tasks finished since: the event of a task closed,
        explained or cancelled reached one replica only, and the others may never
        read the task again."""
        known, today = self.known_targets, self.clock.today()
        if known.swept_on == today:
            return
        met = list(known)  # the handlers of other workers may add some meanwhile
        with self.db.session(readonly=True) as session:
            finished = repo.finished_among(session, met)
        for code in finished:
            known.pop(code, None)
        known.swept_on = today

    def _coverage(self, session):
        """The calendar's coverage as of today (workdays.WorkingCalendar.coverage)
        with "warn": whether the office should enter the next year now. Sets the
        luoshi_calendar_days_left gauge."""
        mode = repo.RULES.current(session).calendar_mode
        coverage = calendar_in_force(session, mode).coverage(self.clock.today())
        days_left = coverage["days_left"]
        if days_left is not None:
            DAYS_LEFT.set(days_left)
        return {**coverage, "warn": days_left is not None and days_left < CALENDAR_NOTICE_DAYS}

    @rpc
    def health(self):
        """{"service", "status": "ok", "calendar": {mode, covers_until, days_left,
        provisional_from, warn}}: operators see the entered years running out
        before they do. A year not entered never stops the service, so this is no
        reason to be unready."""
        answer = super().health()
        with self.db.session(readonly=True) as session:
            return {**answer, "calendar": self._coverage(session)}

    @rpc(expected_exceptions=EXPECTED)
    def evaluate(self, as_of=None):
        """Re-evaluate every task and notice as of a date (YYYY-MM-DD; default the
        office's today by the platform's clock). Answers
        {as_of, evaluated, changed, notices_issued, notices_overdue,
        rectifications_overdue}. Emits colour_changed when a colour changed,
        notice_issued for each notice due, notice_overdue for each notice past a
        deadline, and tasks_judged for each chunk of tasks: their forecasts
        follow the evaluation as a batch's do (forecast_entrypoints.py), so that
        neither the city's colours nor the reports arriving meanwhile wait for
        the city's forecasts in one long transaction. Raises CalendarNotCovered
        for a day the working-day calendar does not cover."""
        try:
            day = self.clock.today() if as_of is None else dt.date.fromisoformat(as_of)
        except (TypeError, ValueError):
            raise InvalidInput({"as_of": "a date as YYYY-MM-DD"}) from None
        with self.db.session() as session:
            return self._evaluate(session, day, None, forecast_now=False)

    # Rules ----------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_rules(self):
        """The rules in force: {version, rules: {field: value}, created_by,
        created_at, note}; version 1 is the built-in defaults."""
        with self.db.session(readonly=True) as session:
            return repo.RULES.in_force(session)

    @rpc(expected_exceptions=EXPECTED)
    def update_rules(self, data, caller, note=None):
        """Store a new version of the rules (admin only). `data` is {field: value};
        fields left out keep their current values and `version` is set here. The
        new version colours from the next evaluation on. Answers what get_rules
        answers. Emits rules_changed."""
        refuse_unstorable(data=data, note=note)
        require_role(caller, "admin")
        note = logic.given_text(note, "note", required=False)
        user = (caller or {}).get("user") or "admin"
        with self.db.session() as session:
            before, rules, changes = repo.RULES.store_next(session, data, user, note)
            self.db.emit(session, events.RULES_CHANGED, events.RulesChanged().dump(new_event(
                version=rules.version, previous_version=before.version,
                rules=rules.to_dict(), changes=changes, changed_by=user, note=note)))
            return repo.RULES.in_force(session)

    @rpc(expected_exceptions=EXPECTED)
    def list_rule_versions(self, limit=100, offset=0):
        """The stored versions of the rules, newest first: {"items": [{version,
        rules, created_by, created_at, note}], "total"}. The built-in defaults
        (version 1) are not stored."""
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.RULES.stored(session, limit, offset)

    # Helpers ----------------------------------------------------------------------

    def _leave(self, session, code, items, words):
        """Items that leave the colours (logic.leaving): each turns green with
        `words` as its last change (history and colour_changed), then its stored
        colour is removed."""
        if not items:
            return
        rules = repo.RULES.current(session)
        stored = repo.stored_colours(session, [code])
        previous = {key: state.colour for key, state in stored.items()}
        self._store_colours(session, self.clock.today(), rules, stored, previous,
                            logic.leaving(items, words), {code: 0.0})
        repo.forget_colours(session, items)

    def _status_changed(self, session, change):
        repo.set_task_status(session, change["task"], change["status"],
                             change["effective_on"] or self.clock.day_of(change["occurred_at"]))
        self._evaluate_on_event(session, [change["task"]])
        # Finished, its targets no longer change and are seldom read again. The
        # evaluation's reading lets them go too, but a day the calendar does not
        # cover skips that reading.
        self.known_targets.pop(change["task"], None)

    def _tasks_created(self, session, tasks):
        repo.add_tasks(session, tasks, created_on=self.clock.today())
        self._evaluate_on_event(session, [task["code"] for task in tasks])

    def _evaluate_on_event(self, session, codes, forecast_now=True):
        """Colour the tasks an event spoke of as of the local today. A day the
        calendar does not cover must not fail the event forever: what it brought is
        kept and the colouring is skipped, with a warning in the log. Not
        `forecast_now` (a batch of reports): the tasks' forecasts follow in
        on_tasks_judged; at some 0.15 ms a task they would hold up a batch of
        1,000 reports longer than its colours do (bench/RESULTS.md)."""
        if not codes:
            return None
        return self._evaluate(session, self.clock.today(), codes, strict=False,
                              forecast_now=forecast_now)

    def _evaluate(self, session, as_of, codes, strict=True, forecast_now=True):
        """Colour the given tasks (None: all) as of a day with the rules in force,
        store what changed with its history, emit colour_changed for the changes
        (one event for each EVALUATION_CHUNK tasks), issue the notices now due and
        colour the notices past their deadlines, and forecast the tasks judged
        (or, not `forecast_now`, emit tasks_judged for them: their forecasts
        follow). Answers {as_of, evaluated, changed, notices_issued,
        notices_overdue} and, forecast now, forecast_turned_red; or None when not
        strict and the calendar failed."""
        with collector_paused():
            return self._evaluate_now(session, as_of, codes, strict, forecast_now)

    def _evaluate_now(self, session, as_of, codes, strict, forecast_now=True):
        rules = repo.RULES.current(session)
        calendar = calendar_in_force(session, rules.calendar_mode)
        if not calendar.covers(as_of):
            if strict:
                calendar.require(as_of)  # CalendarNotCovered, naming the days it covers
            log.warning("colours not updated: no calendar counts from %s", as_of)
            return None
        # A city's tasks a chunk at a time, in the one transaction: what an
        # evaluation holds in memory (each item's stored and new colour, its words)
        # is then a chunk's, not the city's 155,000 items at once.
        if codes is None:
            codes = repo.codes_to_judge(session)
            judge_notices_of = None
        else:
            judge_notices_of = codes
            codes = repo.task_codes(session, codes)  # a cancelled task is judged no more
        figures = {"as_of": as_of.isoformat(), "evaluated": 0, "changed": 0,
                   "notices_issued": 0, **({"forecast_turned_red": 0} if forecast_now else {})}
        known = len(self.known_targets)
        for start in range(0, len(codes), EVALUATION_CHUNK):
            chunk = codes[start:start + EVALUATION_CHUNK]
            tasks = repo.load_tasks(session, chunk, self.known_targets)
            stored = repo.stored_colours(session, chunk)
            previous = {key: state.colour for key, state in stored.items()}
            current, problems = logic.colour_leniently(tasks, as_of, rules, previous, calendar)
            finished = [task.code for task in tasks if task.status in logic.FINISHED]
            if finished:
                # Parts left yellow or red when their task was closed or explained
                # (before this rule, too) turn green with it.
                current.extend(logic.finished_parts(tasks, repo.parts_amiss(session, finished)))
            if problems:
                log.warning("tasks not coloured (dates no calendar counts from): %s",
                            ", ".join(problems))
            repo.mark_unjudged(session, problems)
            repo.clear_unjudged(session, [task.code for task in tasks
                                          if task.code not in problems])
            percents = {task.code: task.percent for task in tasks}
            # A task judged for the first time (a new one) says when it is first
            # due to be reported on: nobody hears of its colour before that day.
            first_dues = {task.code: logic.first_due(task, rules, calendar) for task in tasks
                          if ("task", task.code) not in previous}
            changed = self._store_colours(session, as_of, rules, stored, previous, current,
                                          percents, first_dues)
            repo.store_holds(session, as_of, rules,
                             *logic.held_spans(tasks, as_of, rules, current, calendar))
            figures["notices_issued"] += self._issue_due_notices(
                session, as_of, rules, calendar,
                notices.red_tasks(current, stored, as_of, percents))
            colour_of = {code: state.colour for (kind, code), state in stored.items()
                         if kind == "task"}
            colour_of.update((colour.task, colour.colour) for colour in current
                             if colour.item_kind == "task")
            if forecast_now:
                figures["forecast_turned_red"] += self._forecast(session, as_of, rules,
                                                                 calendar, tasks, colour_of)
            else:
                self.db.emit(session, events.TASKS_JUDGED, dumper(events.TasksJudged)(
                    new_event(as_of=as_of.isoformat(), tasks=[task.code for task in tasks])))
            figures["evaluated"] += len(current)
            figures["changed"] += len(changed)
        figures["notices_overdue"] = self._judge_notices(session, as_of, judge_notices_of)
        if judge_notices_of is None:  # a full evaluation also judges the rectifications
            figures["rectifications_overdue"] = self._judge_rectifications(
                session, as_of, rules)
        if len(self.known_targets) - known >= FIRST_MET:
            # KnownTargets now holds the city's targets, some 155,000 objects kept for
            # the life of the process. One collection here, at the end of a bulk job,
            # puts them in the oldest generation at once; else the collector walks
            # them in the next batches of reports, in each generation as they age
            # (0.1-0.3 s more on the first batch).
            gc.collect()
        return figures

    def _store_colours(self, session, as_of, rules, stored, previous, current, percents,
                       first_dues=None):
        """Store the colours of an evaluation; `stored` is {(kind, key): Stored} as
        they were, `previous` their colours, `percents` {task: the percentage judged},
        `first_dues` {task: logic.first_due} of the tasks judged for the first time.
        The colours keep their reasons' marks (logic.words); the history and the
        event say them in words. Answers [(Colour, previous colour or None)]."""
        changed = logic.changes(previous, current)
        first_dues = first_dues or {}
        now = utcnow()
        repo.store_colours(session, as_of, rules, stored, current, changed)
        if changed:
            said = [logic.words(colour.reason, percents[colour.task]) for colour, _ in changed]
            repo.add_colour_history(session, changed, said, rules, as_of, now)
            self.db.emit(session, events.COLOUR_CHANGED, dumper(events.ColourChanged)(new_event(
                as_of=as_of.isoformat(),
                changes=[{"item_kind": colour.item_kind, "item_key": colour.item_key,
                          "task": colour.task, "unit": colour.unit, "colour": colour.colour,
                          "previous": previous, "reason": reason,
                          "rule_version": rules.version,
                          "first_due": _iso(first_dues.get(colour.task)
                                            if colour.item_kind == "task" and previous is None
                                            else None)}
                         for (colour, previous), reason in zip(changed, said, strict=True)])))
        return changed

    def _issue_due_notices(self, session, as_of, rules, calendar, red):
        """Issue a notice on every task of `red` ([(Colour, red since)], as just
        evaluated) red for `notice_after_red_days` days that has none pending and
        none issued since it turned red. Answers how many."""
        due = notices.due_on(red, as_of, rules, calendar)
        if not due:
            return 0
        earlier = repo.notices_on_tasks(session, [colour.task for colour, _ in due])
        issued = 0
        for colour, since in due:
            if notices.noticed_already(earlier.get(colour.task, ()), since):
                continue
            reason = notices.automatic_reason(colour, since, as_of, calendar)
            try:
                self._issue(session, colour.task, colour.unit, "task", colour.task, reason,
                            as_of, "auto", rules, calendar)
            except CalendarNotCovered as exc:
                log.warning("notice on %s not issued: %s", colour.task, exc)
                continue
            issued += 1
        return issued

    def _issue(self, session, task, unit, item_kind, item_key, reason, issued_on,
               issued_by, rules, calendar):
        """Issue a notice and answer it as the API shows it. Emits notice_issued."""
        ack_due, answer_due, note = notices.notice_deadlines(issued_on, rules, calendar)
        notice_id = repo.add_notice(session, task, unit, item_kind, item_key, reason,
                                    issued_on, issued_by, ack_due, answer_due, note, utcnow())
        notice = repo.notice_dict(repo.notice_row(session, notice_id))
        self.db.emit(session, events.NOTICE_ISSUED, events.NoticeIssued().dump(new_event(
            notice={key: notice[key] for key in (
                "id", "number", "task", "unit", "item_kind", "item_key", "reason",
                "issued_at", "ack_due", "answer_due", "status")})))
        return notice

    def _judge_notices(self, session, as_of, codes):
        """Colour the pending notices (of the given tasks) by their deadlines: one
        notice_overdue for each that turned yellow or red. Answers how many did."""
        moved = notices.judged(repo.pending_notices(session, codes), as_of)
        if not moved:
            return 0
        repo.set_notice_colours(session, moved)
        overdue = notices.overdue(moved)
        for row, colour, stage in overdue:
            self.db.emit(session, events.NOTICE_OVERDUE, events.NoticeOverdue().dump(
                new_event(stage=stage, colour=colour, **repo.notice_ids(row))))
        return len(overdue)


def _iso(day):
    return day.isoformat() if day is not None else None
