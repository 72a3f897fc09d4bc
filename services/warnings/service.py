"""The warnings service's entrypoints: keep a copy of the tasks it judges, colour
them on events and on time, and answer what is late."""
import datetime as dt
import logging
import uuid

from nameko.timer import timer
from sqlalchemy import bindparam, func, select

from services.common.clock import Clock
from services.common.consuming import event_handler, rpc
from services.common.db import Database, claim_timer_run, first_application, utcnow
from services.common.events import new_event
from services.common.operations import Operations

from . import events, logic
from .exceptions import EXPECTED, InvalidInput
from .models import colour_history, colours, watched_targets, watched_tasks
from .schemas import ProgressReportedIn, TaskCreatedIn, TaskStatusChangedIn

log = logging.getLogger(__name__)
MAX_LIMIT = 1000


class Service(Operations):
    """Colours every target and task green / yellow / red.

    Emits colour_changed (one event per evaluation that changed something).
    """

    name = "warnings"

    db = Database()
    clock = Clock()

    # Events from the tasks service -------------------------------------------

    @event_handler("tasks", "task_created")
    def on_task_created(self, payload):
        task = TaskCreatedIn().load(payload)["task"]
        with self.db.session() as session:
            if not first_application(session, payload["event_id"], "on_task_created"):
                return
            session.execute(watched_tasks.insert().values(
                code=task["code"], lead_unit=task["lead_unit"], status=task["status"],
                start_date=task["start_date"], due_date=task["due_date"], percent=0))
            if task["targets"]:
                session.execute(watched_targets.insert(), [
                    {"task_code": task["code"], **target} for target in task["targets"]])
            self._evaluate(session, self.clock.today(), [task["code"]])

    @event_handler("tasks", "progress_reported")
    def on_progress_reported(self, payload):
        """A whole batch of reports: one update, one evaluation of its tasks."""
        reports = ProgressReportedIn().load(payload)["reports"]
        latest, counts = {}, {}
        for report in reports:  # the batch is in order; the last word counts
            latest[report["task"]] = report
            counts[report["task"]] = counts.get(report["task"], 0) + 1
        with self.db.session() as session:
            if not first_application(session, payload["event_id"], "on_progress_reported"):
                return
            session.execute(
                watched_tasks.update().where(watched_tasks.c.code == bindparam("b_code"))
                .values(percent=bindparam("b_percent"), last_reported_at=bindparam("b_at"),
                        reports_applied=watched_tasks.c.reports_applied + bindparam("b_count")),
                [{"b_code": code, "b_percent": report["percent"],
                  "b_at": report["reported_at"].replace(tzinfo=None), "b_count": counts[code]}
                 for code, report in latest.items()],
            )
            self._evaluate(session, self.clock.today(), list(latest))

    @event_handler("tasks", "task_closed")
    def on_task_closed(self, payload):
        self._status_changed(payload, "on_task_closed")

    @event_handler("tasks", "task_explained")
    def on_task_explained(self, payload):
        self._status_changed(payload, "on_task_explained")

    # Time ---------------------------------------------------------------------

    @timer(interval=300)
    def evaluate_daily(self):
        """Once a day after LUOSHI_EVALUATION_HOUR (local time), re-evaluate every
        task as of today; exactly once however many replicas run."""
        now = self.clock.now()
        hour = int(self.config.get("LUOSHI_EVALUATION_HOUR") or 1)
        if now.hour < hour:
            return
        with self.db.session() as session:
            if claim_timer_run(session, "daily-evaluation", now.date().isoformat(),
                               uuid.uuid4().hex):
                result = self._evaluate(session, now.date(), None)
                log.info("daily evaluation as of %s: %s", now.date(), result)

    @rpc(expected_exceptions=EXPECTED)
    def evaluate(self, as_of):
        """Re-evaluate every task as of a date (YYYY-MM-DD). Emits colour_changed
        when anything changed. Answers {as_of, evaluated, changed}."""
        try:
            day = dt.date.fromisoformat(as_of)
        except (TypeError, ValueError):
            raise InvalidInput({"as_of": "a date as YYYY-MM-DD"}) from None
        with self.db.session() as session:
            return self._evaluate(session, day, None)

    # Queries --------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_warnings(self, colour=None, unit=None, task=None, item_kind=None,
                      limit=100, offset=0):
        """Colour states, reddest and oldest first."""
        if colour is not None and colour not in logic.SEVERITY:
            raise InvalidInput({"colour": "green, yellow or red"})
        if not (1 <= int(limit) <= MAX_LIMIT) or int(offset) < 0:
            raise InvalidInput({"limit": f"limit is 1–{MAX_LIMIT}, offset at least 0"})
        query = select(colours)
        for column, value in ((colours.c.colour, colour), (colours.c.unit, unit),
                              (colours.c.task_code, task), (colours.c.item_kind, item_kind)):
            if value is not None:
                query = query.where(column == value)
        with self.db.session(readonly=True) as session:
            total = session.execute(
                select(func.count()).select_from(query.subquery())).scalar()
            rows = session.execute(
                query.order_by(colours.c.since, colours.c.item_key)
                .limit(int(limit)).offset(int(offset))).all()
        return {"items": [_colour_dict(row) for row in rows], "total": total}

    @rpc
    def get_task_colours(self, codes):
        """{code: {colour, reason, since, targets: {seq: {colour, reason}}}}."""
        answer = {}
        with self.db.session(readonly=True) as session:
            for row in session.execute(select(colours).where(colours.c.task_code.in_(codes))):
                entry = answer.setdefault(row.task_code, {"colour": None, "reason": None,
                                                          "since": None, "targets": {}})
                if row.item_kind == "task":
                    entry.update(colour=row.colour, reason=row.reason,
                                 since=row.since.isoformat())
                elif row.item_kind == "target":
                    seq = row.item_key.rsplit("#", 1)[1]
                    entry["targets"][seq] = {"colour": row.colour, "reason": row.reason}
        return answer

    @rpc
    def get_evaluation_figures(self):
        """What has been applied so far, for operators and benchmarks:
        {"tasks", "reports_applied", "colours": {green, yellow, red}}."""
        with self.db.session(readonly=True) as session:
            tasks, reports = session.execute(select(
                func.count(), func.coalesce(func.sum(watched_tasks.c.reports_applied), 0))
            ).one()
            by_colour = dict(session.execute(
                select(colours.c.colour, func.count()).group_by(colours.c.colour)).all())
        return {"tasks": tasks, "reports_applied": int(reports),
                "colours": {colour: by_colour.get(colour, 0) for colour in logic.SEVERITY}}

    @rpc
    def get_dashboard(self):
        """The one-screen counts: tasks by colour, and per unit."""
        with self.db.session(readonly=True) as session:
            rows = session.execute(
                select(colours.c.unit, colours.c.colour, func.count())
                .where(colours.c.item_kind == "task")
                .group_by(colours.c.unit, colours.c.colour)).all()
        counts = {logic.GREEN: 0, logic.YELLOW: 0, logic.RED: 0}
        units = {}
        for unit, colour, number in rows:
            counts[colour] += number
            units.setdefault(unit, {"unit": unit, **dict.fromkeys(counts, 0)})[colour] = number
        for entry in units.values():
            entry["worst"] = next((colour for colour in (logic.RED, logic.YELLOW, logic.GREEN)
                                   if entry[colour]), logic.GREEN)
        return {"counts": counts, "units": sorted(units.values(), key=lambda u: u["unit"]),
                "as_of": self.clock.today().isoformat()}

    # Helpers ----------------------------------------------------------------------

    def _status_changed(self, payload, consumer):
        change = TaskStatusChangedIn().load(payload)
        with self.db.session() as session:
            if not first_application(session, payload["event_id"], consumer):
                return
            session.execute(watched_tasks.update()
                            .where(watched_tasks.c.code == change["task"])
                            .values(status=change["status"]))
            self._evaluate(session, self.clock.today(), [change["task"]])

    def _evaluate(self, session, as_of, codes):
        """Colour the given tasks (None: all) as of a day, store what changed with
        its history, and emit one colour_changed for the changes."""
        rules = logic.Rules()
        task_query = select(watched_tasks)
        target_query = select(watched_targets).order_by(watched_targets.c.seq)
        stored_query = select(colours.c.item_kind, colours.c.item_key, colours.c.colour,
                              colours.c.reason)
        if codes is not None:
            task_query = task_query.where(watched_tasks.c.code.in_(codes))
            target_query = target_query.where(watched_targets.c.task_code.in_(codes))
            stored_query = stored_query.where(colours.c.task_code.in_(codes))
        targets_by_task = {}
        for row in session.execute(target_query):
            targets_by_task.setdefault(row.task_code, []).append(
                logic.Target(row.seq, row.due_date, row.planned_percent, row.unit))
        current = []
        for row in session.execute(task_query):
            current.extend(logic.evaluate_task(logic.Task(
                row.code, row.lead_unit, row.status, row.start_date, row.due_date,
                row.percent, tuple(targets_by_task.get(row.code, ()))), as_of, rules))
        stored = {(row.item_kind, row.item_key): row for row in session.execute(stored_query)}
        changed = logic.changes(
            {key: row.colour for key, row in stored.items()}, current)
        now = utcnow()
        new_rows = [_state(colour, as_of, rules) for colour, previous in changed
                    if previous is None]
        if new_rows:
            session.execute(colours.insert(), new_rows)
        moved = [_state(colour, as_of, rules) for colour, previous in changed
                 if previous is not None]
        reworded = [_state(colour, as_of, rules) for colour in current
                    if (colour.item_kind, colour.item_key) in stored
                    and stored[(colour.item_kind, colour.item_key)].colour == colour.colour
                    and stored[(colour.item_kind, colour.item_key)].reason != colour.reason]
        if moved:
            session.execute(
                colours.update()
                .where(colours.c.item_kind == bindparam("b_kind"))
                .where(colours.c.item_key == bindparam("b_key"))
                .values(colour=bindparam("colour"), reason=bindparam("reason"),
                        since=bindparam("since"), rule_version=bindparam("rule_version")),
                [{**row, "b_kind": row["item_kind"], "b_key": row["item_key"]}
                 for row in moved])
        if reworded:
            session.execute(
                colours.update()
                .where(colours.c.item_kind == bindparam("b_kind"))
                .where(colours.c.item_key == bindparam("b_key"))
                .values(reason=bindparam("reason")),
                [{"reason": row["reason"], "b_kind": row["item_kind"],
                  "b_key": row["item_key"]} for row in reworded])
        if changed:
            session.execute(colour_history.insert(), [
                {"item_kind": colour.item_kind, "item_key": colour.item_key,
                 "task_code": colour.task, "unit": colour.unit, "colour": colour.colour,
                 "previous": previous, "reason": colour.reason,
                 "rule_version": rules.version, "as_of": as_of, "changed_at": now}
                for colour, previous in changed])
            self.db.emit(session, events.COLOUR_CHANGED, events.ColourChanged().dump(new_event(
                as_of=as_of.isoformat(),
                changes=[{"item_kind": colour.item_kind, "item_key": colour.item_key,
                          "task": colour.task, "unit": colour.unit, "colour": colour.colour,
                          "previous": previous, "reason": colour.reason,
                          "rule_version": rules.version}
                         for colour, previous in changed])))
        return {"as_of": as_of.isoformat(), "evaluated": len(current), "changed": len(changed)}


def _state(colour, as_of, rules):
    return {"item_kind": colour.item_kind, "item_key": colour.item_key,
            "task_code": colour.task, "unit": colour.unit, "colour": colour.colour,
            "reason": colour.reason, "since": as_of, "rule_version": rules.version}


def _colour_dict(row):
    return {"item_kind": row.item_kind, "item_key": row.item_key, "task": row.task_code,
            "unit": row.unit, "colour": row.colour, "reason": row.reason,
            "since": row.since.isoformat(), "rule_version": row.rule_version}


