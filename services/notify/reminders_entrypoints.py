"""The notify service's handlers and sweep of reminders before deadlines: the
tasks' targets, reports and 13710 stages and the warnings service's rules are
kept as their events pass; the sweep (from the timer) sends each deadline's
reminder once, through the routing rules of its kind, unless its item is done
first. Mixed into the Service of service.py; the rules are in reminders.py."""
import logging
import uuid

from services.common.consuming import applied_once, event_handler, rpc
from services.common.leases import claim_timer_run, timer_run_claimed
from services.common.text import refuse_unstorable
from services.common.workdays import CALENDAR, WORKING

from . import logic, reminders
from . import repository as repo
from .exceptions import EXPECTED
from .schemas import (
    ClockStageRecordedIn,
    ProgressReceiptCorrectedIn,
    ProgressReportedIn,
    RulesChangedIn,
    TaskCreatedIn,
    TaskExtendedIn,
    TaskReplannedIn,
    TasksImportedIn,
    UnitsMergedIn,
)

log = logging.getLogger(__name__)


def _task_row(task):
    return {"task": task["code"], "title": task["title"], "lead_unit": task["lead_unit"],
            "status": task["status"], "start_date": task["start_date"],
            "clock_class": task["clock_class"]}


def _targets(task_row, targets, percent=0):
    deadlines = reminders.target_deadlines(
        {**task_row, "percent": percent},
        [{"seq": t["seq"], "due": t["due_date"], "planned_percent": t["planned_percent"],
          "unit": t["unit"]} for t in targets])
    return deadlines


class RemindersHandlers:

    def _keep_tasks(self, session, tasks):
        """Set-based: an import's slice of hundreds costs a handful of statements."""
        rows = [_task_row(task) for task in tasks]
        known = repo.reminder_percents(session, [row["task"] for row in rows])
        repo.save_reminder_tasks(session, rows, known)
        repo.replace_targets(session, [row["task"] for row in rows], [
            deadline for row, task in zip(rows, tasks, strict=True)
            for deadline in _targets(row, task["targets"], known.get(row["task"], 0))])

    @event_handler("tasks", "task_created")
    @applied_once(TaskCreatedIn)
    def on_task_created(self, session, event):
        """Keep the task and its targets' due dates for the reminders."""
        self._keep_tasks(session, [event["task"]])

    @event_handler("tasks", "tasks_imported")
    @applied_once(TasksImportedIn)
    def on_tasks_imported(self, session, event):
        """Keep the imported tasks and their targets' due dates for the reminders."""
        self._keep_tasks(session, event["tasks"])

    @event_handler("tasks", "task_updated")
    @applied_once(TaskCreatedIn)
    def on_task_updated(self, session, event):
        """The task as it now stands (title, lead unit, the plan in force)."""
        self._keep_tasks(session, [event["task"]])

    @event_handler("tasks", "task_replanned")
    @applied_once(TaskReplannedIn)
    def on_task_replanned(self, session, event):
        """The new plan's targets are the ones reminded of."""
        known = repo.reminder_task(session, event["task"])
        if known is not None:
            repo.replace_targets(session, [event["task"]],
                                 _targets(known, event["targets"], known["percent"]))

    @event_handler("tasks", "task_extended")
    @applied_once(TaskExtendedIn)
    def on_task_extended(self, session, event):
        """A target's moved due date is a new deadline (reminded of in its turn)."""
        if event["seq"] is not None:
            repo.move_deadline(session, logic.REMIND_TARGET,
                               f"target:{event['task']}:{event['seq']}", event["new_due_date"])

    @event_handler("tasks", "progress_reported")
    @applied_once(ProgressReportedIn)
    def on_progress_reported(self, session, event):
        """A report: its task's targets it reaches are met, and the unit has
        reported this month."""
        last = {}
        for report in event["reports"]:  # the batch's last report of each task counts
            last[report["task"]] = (report["percent"], self.clock.day_of(report["received_at"]))
        repo.record_reports(session, last)

    @event_handler("tasks", "progress_receipt_corrected")
    @applied_once(ProgressReceiptCorrectedIn)
    def on_progress_receipt_corrected(self, session, event):
        """The office moved when a report was received: whether the unit has
        reported this month is judged by the task's last receipt as it now stands."""
        repo.set_last_received(session, event["report"]["task"],
                               self.clock.day_of(event["last_received_at"]))

    @event_handler("tasks", "clock_stage_recorded")
    @applied_once(ClockStageRecordedIn)
    def on_clock_stage_recorded(self, session, event):
        """A 13710 stage recorded: no reminder of its deadline."""
        repo.record_stage(session, event["task"], event["stage"])

    @event_handler("tasks", "units_merged")
    @applied_once(UnitsMergedIn)
    def on_units_merged(self, session, event):
        """The merged unit's tasks and targets are reminded to the unit they moved to."""
        for task in event["tasks"]:
            repo.move_task(session, task["code"], task["lead_unit"], event["into"],
                           task["targets"])

    @event_handler("warnings", "rules_changed")
    @applied_once(RulesChangedIn)
    def on_rules_changed(self, session, event):
        """Keep the office's reporting day and 13710 days as now in force."""
        repo.save_office_rules(session, event["version"], {
            key: event["rules"][key] for key in reminders.OFFICE_RULES
            if key in event["rules"]})

    @rpc(expected_exceptions=EXPECTED)
    def list_deadlines(self, unit=None, task=None, limit=100, offset=0):
        """The targets' and notices' deadlines notify watches for its reminders,
        soonest first: {"items": [{kind, item, due, unit, task, title, done,
        reminded}], "total"}; done: the item was done (target met, task
        finished, notice acknowledged or answered), so it is not reminded of;
        reminded: the reminder of this deadline went out."""
        refuse_unstorable(unit=unit, task=task)
        limit, offset = logic.page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.list_deadlines(session, limit, offset, unit=unit, task=task)

    # Called from the existing handlers of service.py --------------------------------

    def _notice_deadlines(self, session, notice):
        task = repo.reminder_task(session, notice["task"])
        repo.save_deadlines(session, reminders.notice_deadlines(
            notice, task["title"] if task else None))

    def _notice_step(self, session, notice_id, what):
        kinds = ([logic.REMIND_ACK] if what == "acknowledged"
                 else [logic.REMIND_ACK, logic.REMIND_ANSWER])
        repo.deadlines_done(session, kinds, f"notice:{notice_id}")

    # The sweep --------------------------------------------------------------------------

    def _remind_due(self, local):
        """Send the reminders due now, once per sweep period (at most) across
        the replicas; each reminder once per deadline."""
        minutes = self.delivery.settings.reminder_minutes
        slot = (local.hour * 60 + local.minute) // minutes
        period = f"{local.date().isoformat()}#{slot}"
        # Checked first without writing: the timer asks every few seconds.
        with self.db.session(readonly=True) as session:
            if timer_run_claimed(session, "reminders", period):
                return
        with self.db.session() as session:
            if not claim_timer_run(session, "reminders", period, uuid.uuid4().hex):
                return
        with self.db.session() as session:
            sent = self._sweep_reminders(session, local)
        if sent:
            log.info("%d reminders before deadlines sent", sent)

    def _sweep_reminders(self, session, local):
        """The sweep itself, in `session`: answers how many reminders went out."""
        today = local.date()
        settings = reminders.kind_settings(repo.load_rules(session))
        if not settings:
            return 0
        # N counts the days people work, whatever the escalation ladder counts.
        calendar = repo.CALENDAR.calendar(session, WORKING)
        office = {**reminders.OFFICE_RULES, **repo.load_office_rules(session)}
        deadline_calendar = repo.CALENDAR.calendar(
            session, CALENDAR if office["calendar_mode"] == "calendar" else WORKING)
        if not calendar.covers(today) or not calendar.is_working_day(today):
            return 0
        last = calendar.add_working_days(today, max(kind["days"] for kind in settings.values()))
        deadlines = repo.open_deadlines(session, today, last)
        tasks = repo.open_tasks(session)
        if logic.REMIND_REPORT in settings:
            deadlines += reminders.report_deadlines(today, tasks, office, deadline_calendar)
        if logic.REMIND_STAGE in settings:
            for task in tasks:
                try:
                    stages = reminders.stage_deadlines(task, office, deadline_calendar)
                except ValueError:  # a start date the calendar does not cover
                    continue
                deadlines += [d for d in stages if today <= d["due"] <= last]
        sent = repo.sent_keys(session, [reminders.reminder_key(d) for d in deadlines])
        due = [reminder for reminder in reminders.due_reminders(deadlines, local, calendar,
                                                                settings, sent)
               if repo.claim_reminder(session, reminder, logic.to_utc(local))]
        if not due:
            return 0
        names = repo.unit_names(session, {reminder["unit"] for reminder in due})
        now = logic.to_utc(local)
        self._notify(session, [reminders.occurrence(r, names.get(r["unit"], r["unit"]))
                               for r in due], f"reminders-{today.isoformat()}", now, local)
        repo.save_facts(session, [{
            "kind": "reminder", "key": reminder["key"][:64], "task": reminder["task"],
            "unit": reminder["unit"], "detail": f"{reminder['kind']}:{reminder['item']}",
            "day": today} for reminder in due])
        return len(due)



