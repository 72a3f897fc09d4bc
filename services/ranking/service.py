"""The ranking service's entrypoints: keep the facts other services report, score
and rank the units of each group per period (评价排队), take the lead units'
evaluations, and carry a period's ranking from draft to publication. The rules
are in logic.py, the queries in repository.py."""
import datetime as dt
import logging
import uuid

from services.common.calendar_copy import CalendarCopyEntrypoints
from services.common.clock import Clock, utc_iso, utcnow
from services.common.collector import collector_paused
from services.common.consuming import applied_once, event_handler, rpc
from services.common.events import new_event
from services.common.leases import claim_timer_run
from services.common.operations import Operations
from services.common.paging import page
from services.common.scope import require_role, unit_scope
from services.common.sessions import Database
from services.common.settings import Settings
from services.common.text import refuse_unstorable
from services.common.timers import timer

from . import events, logic, way_off
from . import repository as repo
from .dependencies import ScoringClock
from .exceptions import EXPECTED, Conflict, Forbidden, InvalidInput, NotFound
from .models import rankings, standings
from .schemas import (
    ClockStageRecordedIn,
    ColourChangedIn,
    CommitmentChangedIn,
    ExtensionDecidedIn,
    NoticeAcknowledgedIn,
    NoticeAnsweredIn,
    NoticeClosedIn,
    NoticeIssuedIn,
    ProgressReceiptCorrectedIn,
    ProgressReportedIn,
    TaskCreatedIn,
    TaskExtendedIn,
    TaskReplannedIn,
    TasksImportedIn,
    TaskStatusChangedIn,
    TaskUpdatedIn,
    UnitCreatedIn,
    UnitRetiredIn,
    UnitsMergedIn,
    UnitUpdatedIn,
    VerificationReturnedIn,
)
from .settings import RankingSettings

log = logging.getLogger(__name__)
MAX_COMMENT = 2000
# How often the live standings are brought up to date after events: the big
# screen sees a report's effect within this many seconds plus one scoring.
REFRESH_SECONDS = 0.5
# Under a flood of events (a county system's month of reports) the standings are
# scored at most this often: a city's scoring takes most of a second of a core
# the event handlers need, and a reader of stale standings is scored for anyway.
MIN_SCORING_GAP = dt.timedelta(seconds=5)
# ... and at most a tenth of the time: the gap grows with the last scoring's length.
SCORING_SHARE = 10
# A flood is over once no event has been applied for this long, or for as long as
# the last scoring took: the standings are then scored at the next tick, whenever
# they were last scored.
QUIET = dt.timedelta(seconds=0.5)


class Service(CalendarCopyEntrypoints, Operations):
    """Scores and ranks the units of each group per period from the facts of the
    tasks and warnings services, and publishes the red and black lists.

    Emits score_rules_changed, ranking_approved and ranking_published. Keeps a
    copy of the office's working-day calendar (CalendarCopyEntrypoints).
    """

    name = "ranking"

    db = Database()
    clock = Clock()
    settings = Settings(RankingSettings)
    last_scoring = ScoringClock()
    # An ended period is drafted on the first working day after it.
    calendar_copy = repo.CALENDAR

    # Facts from the tasks service ------------------------------------------------
    # Each handler keeps what it learnt, in the transaction that records its
    # event_id, and marks stale the standings and the draft rankings it concerns.

    @event_handler("tasks", "unit_created")
    @applied_once(UnitCreatedIn)
    def on_unit_created(self, session, event):
        repo.save_unit(session, event["unit"])
        repo.touch(session, [])

    @event_handler("tasks", "task_created")
    @applied_once(TaskCreatedIn)
    def on_task_created(self, session, event):
        self._tasks_created(session, [event["task"]])

    @event_handler("tasks", "tasks_imported")
    @applied_once(TasksImportedIn)
    def on_tasks_imported(self, session, event):
        """A slice of an import, kept set-based."""
        self._tasks_created(session, event["tasks"])

    def _tasks_created(self, session, tasks):
        repo.save_tasks(session, tasks, {
            task["code"]: task["created_at"] and self.clock.day_of(task["created_at"])
            for task in tasks})
        repo.touch(session, {day for task in tasks for day in (
            task["start_date"], *(target["due_date"] for target in task["targets"]))})

    @event_handler("tasks", "progress_reported")
    @applied_once(ProgressReportedIn)
    def on_progress_reported(self, session, event):
        """Keep the whole batch in one transaction, set-based."""
        # A report counts on the day the platform received it.
        batch = [(r["task"], self.clock.day_of(r["received_at"] or r["reported_at"]),
                  r["percent"], r["id"]) for r in event["reports"]]
        repo.record_reports(session, batch)
        repo.touch(session, {day for _, day, _, _ in batch})

    @event_handler("tasks", "progress_receipt_corrected")
    @applied_once(ProgressReceiptCorrectedIn)
    def on_progress_receipt_corrected(self, session, event):
        """The office moved when a report was received: the report counts on its
        new day, and both days are scored again."""
        report = event["report"]
        previous = self.clock.day_of(event["previous_received_at"])
        day = self.clock.day_of(report["received_at"] or report["reported_at"])
        if repo.move_report(session, report["id"], report["task"], previous,
                            report["percent"], day):
            repo.touch(session, [previous, day])

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
    def on_clock_stage_recorded(self, session, stage):
        if stage["stage"] == "closed":
            # Closed on the day the platform received the stage.
            day = self.clock.day_of(stage["received_at"] or stage["recorded_at"])
            repo.record_clock_closed(session, stage["task"], day)
            repo.touch(session, [day])

    @event_handler("tasks", "commitment_made")
    @applied_once(CommitmentChangedIn)
    def on_commitment_made(self, session, event):
        commitment = event["commitment"]
        repo.save_commitment(session, commitment)
        repo.touch(session, [commitment["promised_date"]])

    @event_handler("tasks", "commitment_fulfilled")
    @applied_once(CommitmentChangedIn)
    def on_commitment_fulfilled(self, session, event):
        # Kept on the day the unit said so, though the office confirmed it later.
        day = self.clock.day_of(event["commitment"]["fulfilled_at"] or event["occurred_at"])
        repo.save_commitment(session, event["commitment"], fulfilled_on=day)
        repo.touch(session, [day, event["commitment"]["promised_date"]])

    @event_handler("tasks", "verification_returned")
    @applied_once(VerificationReturnedIn)
    def on_verification_returned(self, session, event):
        """The office sent a unit's step back (复核退回): it counts against the
        unit on the day of the send-back (logic: ScoreRules.return_deduction)."""
        item = event["verification"]
        repo.record_return(session, item["id"], item["unit"], item["task"], item["kind"],
                           event["effective_on"])
        repo.touch(session, [event["effective_on"]])

    @event_handler("tasks", "task_extended")
    @applied_once(TaskExtendedIn)
    def on_task_extended(self, session, event):
        repo.extend(session, event["task"], event["seq"], event["previous_due_date"],
                    event["new_due_date"])
        repo.touch(session, [event["previous_due_date"], event["new_due_date"]])

    @event_handler("tasks", "extension_decided")
    @applied_once(ExtensionDecidedIn)
    def on_extension_decided(self, session, event):
        """The office's decision on a unit's request for time, counted by the
        score rules against the unit in the period of the decision."""
        day = event["effective_on"]
        repo.save_extension_decision(session, event["request_id"], event["unit"],
                                     event["outcome"], day)
        repo.touch(session, [day])

    @event_handler("tasks", "task_updated")
    @applied_once(TaskUpdatedIn)
    def on_task_updated(self, session, event):
        """An edit: a new lead unit answers for the task, and for the targets that
        moved to it, from the day of the change; the past is not rewritten."""
        task, day = event["task"], event["effective_on"]
        repo.reassign_task(session, task["code"], task["lead_unit"], task["cooperating_units"],
                           {t["seq"]: t["unit"] for t in task["targets"]}, day,
                           clock_class=task["clock_class"], start_date=task["start_date"])
        repo.retitle_task(session, task["code"], task.get("title"))
        repo.touch(session, [day])

    @event_handler("tasks", "task_replanned")
    @applied_once(TaskReplannedIn)
    def on_task_replanned(self, session, event):
        """A new plan: each target counts against the plan in force on its due date."""
        added = set(event["added"])
        new = [t for t in event["targets"] if t["seq"] in added]
        repo.replan(session, event["task"], event["replaced"], new)
        repo.touch(session, [event["effective_on"], *(t["due_date"] for t in new)])

    @event_handler("tasks", "task_cancelled")
    @applied_once(TaskStatusChangedIn)
    def on_task_cancelled(self, session, event):
        """A cancelled task leaves the ranking's future (logic: its targets due
        from the day it was cancelled are not counted)."""
        day = event["effective_on"] or self.clock.day_of(event["occurred_at"])
        repo.cancel_task(session, event["task"], day)
        repo.touch(session, [day])

    @event_handler("tasks", "unit_updated")
    @applied_once(UnitUpdatedIn)
    def on_unit_updated(self, session, event):
        repo.rename_unit(session, event["unit"])
        repo.touch(session, [])

    @event_handler("tasks", "unit_retired")
    @applied_once(UnitRetiredIn)
    def on_unit_retired(self, session, event):
        """A retired unit leaves the rankings scored as of its retirement or later."""
        repo.retire_unit(session, event["unit"], event["effective_on"])
        repo.touch(session, [event["effective_on"]])

    @event_handler("tasks", "units_merged")
    @applied_once(UnitsMergedIn)
    def on_units_merged(self, session, event):
        """The merged unit's open tasks, and their targets not yet due, answer to
        the unit it merged into from the day of the merger."""
        for moved in event["tasks"]:
            repo.reassign_task(session, moved["code"], moved["lead_unit"],
                               moved["cooperating_units"],
                               dict.fromkeys(moved["targets"], event["into"]),
                               event["effective_on"])
        repo.touch(session, [event["effective_on"]])

    # Facts from the warnings service ----------------------------------------------

    @event_handler("warnings", "colour_changed")
    @applied_once(ColourChangedIn)
    def on_colour_changed(self, session, event):
        """Keep every change of an evaluation as of its day: the spells of yellow
        and red are read from them."""
        repo.save_colour_changes(session, event["changes"], event["as_of"],
                                 logic.naive_utc(event["occurred_at"]))
        repo.touch(session, [event["as_of"]])

    @event_handler("warnings", "notice_issued")
    @applied_once(NoticeIssuedIn)
    def on_notice_issued(self, session, event):
        notice = event["notice"]
        day = self.clock.day_of(notice["issued_at"])
        repo.save_notice(session, notice, day)
        repo.touch(session, [day])

    @event_handler("warnings", "notice_acknowledged")
    @applied_once(NoticeAcknowledgedIn)
    def on_notice_acknowledged(self, session, event):
        self._notice_step(session, event["notice_id"], "acknowledged_on",
                          event["acknowledged_at"])

    @event_handler("warnings", "notice_answered")
    @applied_once(NoticeAnsweredIn)
    def on_notice_answered(self, session, event):
        self._notice_step(session, event["notice_id"], "answered_on", event["answered_at"])

    @event_handler("warnings", "notice_closed")
    @applied_once(NoticeClosedIn)
    def on_notice_closed(self, session, event):
        self._notice_step(session, event["notice_id"], "closed_on", event["closed_at"])

    # Time ---------------------------------------------------------------------------

    @timer(interval=REFRESH_SECONDS)
    def refresh_standings(self):
        """Bring the live standings of the current period and every stale draft up
        to date, each by one replica; on the first working day after a period of
        the rules' kind ended, draft its ranking (once)."""
        today = self.clock.today()
        # Claimed in a short transaction and scored outside it, so that event
        # handlers never wait for a scoring; an event arriving meanwhile marks the
        # standings stale again, and the next tick scores them once more. The
        # standings keep the moment of the claim: they hold every fact applied
        # before it.
        with self.db.session() as session:
            claimed_at = utcnow()
            rules = repo.RULES.current(session)
            period = logic.period_of(today, rules.period_kind)
            row = repo.standings_state(session, period.key)
            if row is None:
                repo.reserve_standings(session, period, today, claimed_at)
            fresh = (row is not None and row.as_of == today
                     and row.rules_version == rules.version)
            gap = logic.busy_gap(MIN_SCORING_GAP, self.last_scoring.took, SCORING_SHARE)
            # Whether events are still coming matters only to standings scored
            # within the gap: only then are the applied events looked at.
            quiet = logic.quiet_after(QUIET, self.last_scoring.took)
            wait = (logic.scoring_gap(repo.last_applied_at(session), claimed_at, gap, quiet)
                    if fresh and row.stale and row.computed_at >= claimed_at - gap
                    else dt.timedelta(0))
            due = not fresh or (row.stale and repo.claim_stale(
                session, standings, period.key, scored_before=claimed_at - wait))
        if due:
            with self.last_scoring.timed():
                self._keep_start_states(period, period.previous())
                groups = self._score_apart(period, today, rules)
            with self.db.session() as session:
                repo.store_standings(session, period, today, rules.version, groups,
                                     claimed_at)
        # A draft waits out a flood: an import's events each make the drafts of
        # their periods stale, and recomputing them at every tick took a city's
        # import more of a core than the live standings. Approving recomputes a
        # stale draft first, so none is approved as it stood.
        drafts = self._stale_drafts()
        if drafts and not self._flooded(quiet):
            for key in drafts:
                with self.db.session() as session:
                    claimed = repo.claim_stale(session, rankings, key)
                if claimed:
                    self._recompute(key)
        ended = period.previous()
        with self.db.session() as session:
            if today < logic.drafting_day(ended, repo.CALENDAR.calendar(session)):
                return
            if not repo.ranking_drafted(session, ended.key) and claim_timer_run(
                    session, "draft-ranking", ended.key, uuid.uuid4().hex):
                self._freeze(session, ended, rules, "auto")
                log.info("ranking of %s drafted", ended.key)

    # Queries -------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_ranking(self, period=None, group=None, caller=None):
        """One group's ranking for a period (default: the rules' period of today;
        the first group): {period, label, group, group_label, status
        (live/draft/approved/published), as_of, rules_version, tie_break, entries:
        [{unit, name, rank, previous_rank, rank_change, score, red_items,
        unanswered_notices, breakdown: {indicators, note}}], red_list, black_list,
        computed_at, stale, late_events, approved_at, published_at}. Until the
        ranking is published, only admins and leaders read it whole; anyone else
        reads its own units' entries and no lists (logic.visible_ranking). InvalidInput
        for a malformed period, one not begun or an unknown group."""
        refuse_unstorable(period=period, group=group)
        today = self.clock.today()
        with self.db.session(readonly=True) as session:
            rules = repo.RULES.current(session)
            chosen = (logic.parse_period(period) if period is not None
                      else logic.period_of(today, rules.period_kind))
            as_of = chosen.as_of(today)
            key = group if group is not None else rules.groups[0]["key"]
            group_rules = rules.group(key)
            frozen = repo.ranking_row(session, chosen.key)
            if frozen is not None:
                answer = {**repo.ranking_dict(frozen), "groups": frozen.groups}
            else:
                answer = self._live(session, chosen, as_of, rules)
        ranked = answer.pop("groups").get(key) or {
            "entries": [], "red_list": [], "black_list": []}
        shown = logic.visible_ranking(ranked, answer["status"], caller)
        return {**answer, "label": chosen.label, "group": key,
                "group_label": group_rules["label"], "tie_break": logic.TIE_BREAK,
                "entries": shown["entries"], "red_list": shown["red_list"],
                "black_list": shown["black_list"]}

    @rpc(expected_exceptions=EXPECTED)
    def get_way_off(self, unit, period=None, caller=None):
        """The way off the black list for one unit in a period's live ranking
        (default: the rules' period of today), scored afresh as of today (see
        way_off): {unit, unit_name, period, label, as_of, group, on_black_list,
        in_bottom_group, reasons, score, line_score, actions: [{kind, text,
        items, points}], enough, projected_score, note, basis}. A unit reads its
        own units' only; the office and leaders any. NotFound for a unit no group
        ranks; Conflict for a period already ended (nothing of it is left to do)."""
        refuse_unstorable(unit=unit, period=period)
        if not isinstance(unit, str) or not 0 < len(unit) <= 32:
            raise InvalidInput({"unit": "a unit code"})
        scope = unit_scope(caller)
        if scope is not None and unit not in scope:
            raise Forbidden("the caller does not act for this unit")
        today = self.clock.today()
        with self.db.session(readonly=True) as session:
            rules = repo.RULES.current(session)
            chosen = (logic.parse_period(period) if period is not None
                      else logic.period_of(today, rules.period_kind))
            as_of = chosen.as_of(today)
            if as_of < today:
                raise Conflict(f"{chosen.key} has ended; its ranking is drawn")
            with collector_paused():
                facts = repo.load_facts(session, chosen, as_of, rules)
                found = way_off.find_way_off(
                    unit, chosen, as_of, rules, facts,
                    repo.load_openings(session, unit, chosen, as_of))
        if found is None:
            raise NotFound(f"no group ranks {unit} in {chosen.key}")
        return {**found, "period": chosen.key, "label": chosen.label,
                "as_of": as_of.isoformat()}

    @rpc(expected_exceptions=EXPECTED)
    def list_ways_off(self):
        """The way off the black list of every unit on it in the live ranking of
        today's period, for the weekly bulletin (its readers, the leaders and the
        office, read the whole ranking): {period, label, as_of, items: [{unit,
        unit_name, group, group_label, in_bottom_group, reasons, score,
        line_score, actions (how many), points (what they add up to), enough,
        note}]}, each group's worst first."""
        today = self.clock.today()
        with self.db.session(readonly=True) as session:
            rules = repo.RULES.current(session)
            chosen = logic.period_of(today, rules.period_kind)
            as_of = chosen.as_of(today)
            items = []
            with collector_paused():
                groups = self._live(session, chosen, as_of, rules)["groups"]
                facts = repo.load_facts(session, chosen, as_of, rules) if any(
                    ranked["black_list"] for ranked in groups.values()) else None
                for group in rules.groups:
                    for listed in (groups.get(group["key"]) or {}).get("black_list") or []:
                        found = way_off.find_way_off(
                            listed["unit"], chosen, as_of, rules, facts,
                            repo.load_openings(session, listed["unit"], chosen, as_of))
                        if found is None:
                            continue
                        items.append({
                            "unit": found["unit"], "unit_name": found["unit_name"],
                            "group": group["key"], "group_label": group["label"],
                            "in_bottom_group": found["in_bottom_group"],
                            "reasons": found["reasons"], "score": found["score"],
                            "line_score": found["line_score"],
                            "actions": sum(len(action["items"]) or 1
                                           for action in found["actions"]),
                            "points": round(sum(action["points"] or 0
                                                for action in found["actions"]), 1),
                            "enough": found["enough"], "note": found.get("note")})
        return {"period": chosen.key, "label": chosen.label, "as_of": as_of.isoformat(),
                "items": items}

    @rpc(expected_exceptions=EXPECTED)
    def list_groups(self):
        """The groups of the rules in force: {"items": [{key, label, kinds, units}]}."""
        with self.db.session(readonly=True) as session:
            return {"items": repo.RULES.current(session).groups}

    @rpc(expected_exceptions=EXPECTED)
    def get_city_rates(self):
        """The city's figures of the live period up to today, for the one screen:
        {period, label, as_of, targets_due, targets_met (by their due dates, as the
        on_time indicator counts them), on_time_rate (percent, null when nothing
        fell due)}."""
        today = self.clock.today()
        with self.db.session(readonly=True) as session:
            period = logic.period_of(today, repo.RULES.current(session).period_kind)
            as_of = period.as_of(today)
            due, met = repo.targets_met_by_due_date(session, period.start, as_of)
        return {"period": period.key, "label": period.label, "as_of": as_of.isoformat(),
                "targets_due": due, "targets_met": met,
                "on_time_rate": round(100 * met / due, 1) if due else None}

    @rpc(expected_exceptions=EXPECTED)
    def list_periods(self, limit=100, offset=0):
        """The current period and every frozen one, newest first: {"items":
        [{period, label, status, ...}], "current"}."""
        limit, offset = page(limit, offset)
        today = self.clock.today()
        with self.db.session(readonly=True) as session:
            current = logic.period_of(today, repo.RULES.current(session).period_kind)
            rows, total = repo.ranking_rows(session, limit, offset)
        items = [{**repo.ranking_dict(row), "label": logic.parse_period(row.period).label}
                 for row in rows]
        return {"items": items, "total": total,
                "current": {"period": current.key, "label": current.label, "status": "live"}}

    @rpc(expected_exceptions=EXPECTED)
    def list_movers(self, since, until=None, limit=5):
        """The units whose rank moved most between the standings kept on `since`
        and on `until` (default: the latest): {"items": [{unit, name, group, rank,
        previous_rank, rank_change}], "period"}; empty across a change of period."""
        since, until = _date(since, "since"), _date(until, "until") if until else None
        with self.db.session(readonly=True) as session:
            now, period = repo.ranks_on(session, until or self.clock.today())
            then, before = repo.ranks_on(session, since)
        if period is None or period != before:
            return {"items": [], "period": period}
        return {"items": logic.movers(now, then, limit=int(limit)), "period": period}

    # Evaluations of cooperating units ---------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def submit_evaluation(self, period, data, caller):
        """A lead unit's score (0–100, with a comment) of a unit cooperating on one
        of its tasks, for a period: one per (period, lead unit, unit); giving it
        again replaces it until the period's ranking is approved. Evaluators give
        it for their own unit; an admin names `lead_unit`. Answers the evaluation.
        Forbidden when the lead unit is not the caller's or leads no task the unit
        cooperates on; Conflict once the ranking is approved."""
        refuse_unstorable(period=period, data=data)
        require_role(caller, "admin", "evaluator")
        chosen = logic.parse_period(period)
        evaluation = _evaluation(data)
        scope = unit_scope(caller)
        lead_unit = evaluation["lead_unit"]
        if lead_unit is None and scope is not None and len(scope) == 1:
            lead_unit = next(iter(scope))
        if lead_unit is None:
            raise InvalidInput({"lead_unit": "required: the evaluating lead unit"})
        if scope is not None and lead_unit not in scope:
            raise Forbidden("the caller does not act for this lead unit")
        today = self.clock.today()
        chosen.as_of(today)
        with self.db.session() as session:
            if not repo.cooperates(session, lead_unit, evaluation["unit"]):
                raise Forbidden(f"{evaluation['unit']} cooperates on no task {lead_unit} leads")
            frozen = repo.ranking_row(session, chosen.key)
            if frozen is not None and frozen.status != "draft":
                raise Conflict(f"the ranking of {chosen.key} is {frozen.status}")
            repo.save_evaluation(session, chosen.key, lead_unit, evaluation["unit"],
                                 evaluation["score"], evaluation["comment"],
                                 (caller or {}).get("user") or "admin")
            repo.touch(session, [chosen.start])
            return repo.evaluation_dict(repo.evaluation_row(
                session, chosen.key, lead_unit, evaluation["unit"]))

    @rpc(expected_exceptions=EXPECTED)
    def list_evaluations(self, period, unit=None, lead_unit=None, limit=100, offset=0,
                         caller=None):
        """The evaluations given for a period that `caller` may read (all for
        the office, its own units' for an evaluator, none for anyone else:
        logic.visible_evaluations_filter), optionally of one unit or by one
        lead unit: {"items": [{period, lead_unit, unit, score, comment,
        evaluated_by, evaluated_at}], "total"}."""
        refuse_unstorable(period=period, unit=unit, lead_unit=lead_unit)
        chosen = logic.parse_period(period)
        limit, offset = page(limit, offset)
        givers = logic.visible_evaluations_filter(caller)
        with self.db.session(readonly=True) as session:
            rows, total = repo.evaluation_rows(session, chosen.key, unit or None,
                                               lead_unit or None, limit, offset, givers)
        return {"items": [repo.evaluation_dict(row) for row in rows], "total": total}

    # From draft to publication ------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def draft_ranking(self, period, caller):
        """Freeze an ended period's ranking as a draft (admin), or recompute its
        draft. Answers the ranking's state. Conflict for a period not ended or
        already approved."""
        refuse_unstorable(period=period)
        require_role(caller, "admin")
        chosen = logic.parse_period(period)
        today = self.clock.today()
        if chosen.end >= today:
            raise Conflict(f"{chosen.key} has not ended; its live standings are shown")
        with self.db.session() as session:
            frozen = repo.ranking_row(session, chosen.key)
            if frozen is not None and frozen.status != "draft":
                raise Conflict(f"the ranking of {chosen.key} is {frozen.status}")
            if frozen is None:
                self._freeze(session, chosen, repo.RULES.current(session), caller["user"])
        if frozen is not None:
            self._recompute(chosen.key)
        with self.db.session(readonly=True) as session:
            return self._state(session, chosen.key)

    @rpc(expected_exceptions=EXPECTED)
    def approve_ranking(self, period, caller):
        """Approve a draft (admin), recomputed first if a late event made it stale.
        Emits ranking_approved. Conflict unless it is a draft."""
        refuse_unstorable(period=period)
        require_role(caller, "admin")
        chosen = logic.parse_period(period)
        with self.db.session(readonly=True) as session:
            stale = self._frozen(session, chosen.key, "draft", "draft it first").stale
        if stale:
            self._recompute(chosen.key)
        with self.db.session() as session:
            self._frozen(session, chosen.key, "draft", "draft it first")
            repo.set_ranking(session, chosen.key, status="approved", stale=False,
                             approved_by=caller["user"], approved_at=utcnow())
            self.db.emit(session, events.RANKING_APPROVED, events.RankingApproved().dump(
                new_event(period=chosen.key, approved_by=caller["user"])))
            return self._state(session, chosen.key)

    @rpc(expected_exceptions=EXPECTED)
    def reopen_ranking(self, period, caller):
        """Send an approved, unpublished ranking back to draft (admin); it is
        recomputed with the events that arrived since. Conflict otherwise."""
        refuse_unstorable(period=period)
        require_role(caller, "admin")
        chosen = logic.parse_period(period)
        with self.db.session() as session:
            self._frozen(session, chosen.key, "approved", "only an approved ranking reopens")
            repo.set_ranking(session, chosen.key, status="draft", stale=True, late_events=0,
                             approved_by=None, approved_at=None)
            return self._state(session, chosen.key)

    @rpc(expected_exceptions=EXPECTED)
    def publish_ranking(self, period, caller):
        """Publish an approved ranking (admin): its lists become public and it never
        changes again. Emits ranking_published with every group. Conflict unless
        approved."""
        refuse_unstorable(period=period)
        require_role(caller, "admin")
        chosen = logic.parse_period(period)
        with self.db.session() as session:
            frozen = self._frozen(session, chosen.key, "approved", "approve it first")
            repo.set_ranking(session, chosen.key, status="published",
                             published_by=caller["user"], published_at=utcnow())
            self.db.emit(session, events.RANKING_PUBLISHED, events.RankingPublished().dump(
                new_event(period=chosen.key, label=chosen.label,
                          as_of=frozen.as_of.isoformat(), rules_version=frozen.rules_version,
                          published_by=caller["user"], groups=list(frozen.groups.values()))))
            return self._state(session, chosen.key)

    # Score rules ---------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_score_rules(self):
        """The score rules in force: {version, rules, created_by, created_at, note,
        tie_break}; version 1 is the built-in defaults."""
        with self.db.session(readonly=True) as session:
            return {**repo.RULES.in_force(session), "tie_break": logic.TIE_BREAK}

    @rpc(expected_exceptions=EXPECTED)
    def update_score_rules(self, data, caller, note=None):
        """Store a new version of the score rules (admin): {field: value}, the
        fields left out keeping their values. Scores computed from now on use it;
        frozen rankings keep the version they were made with. Emits
        score_rules_changed. InvalidInput naming each wrong field."""
        refuse_unstorable(data=data, note=note)
        require_role(caller, "admin")
        if note is not None and (not isinstance(note, str) or len(note) > MAX_COMMENT):
            raise InvalidInput({"note": f"a text of at most {MAX_COMMENT} characters"})
        with self.db.session() as session:
            before, rules, changes = repo.RULES.store_next(session, data, caller["user"], note)
            repo.mark_all_stale(session)
            self.db.emit(session, events.SCORE_RULES_CHANGED, events.ScoreRulesChanged().dump(
                new_event(version=rules.version, previous_version=before.version,
                          changes=changes, changed_by=caller["user"], note=note)))
            return {**repo.RULES.in_force(session), "tie_break": logic.TIE_BREAK}

    @rpc(expected_exceptions=EXPECTED)
    def list_score_rule_versions(self, limit=100, offset=0):
        """The stored versions of the score rules, newest first: {"items", "total"}."""
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.RULES.stored(session, limit, offset)

    # Helpers ---------------------------------------------------------------------------

    def _status_changed(self, session, event):
        repo.set_status(session, event["task"], event["status"])
        repo.touch(session, [self.clock.day_of(event["occurred_at"])])

    def _notice_step(self, session, notice_id, column, moment):
        day = self.clock.day_of(moment)
        issued_on = repo.notice_step(session, notice_id, column, day)
        repo.touch(session, [day, issued_on])

    def _score(self, session, period, as_of, rules):
        return score_period(session, period, as_of, rules)

    def _keep_start_states(self, *periods):
        """Keep the states each period began with (repo.keep_start_states), once:
        read apart, as a scoring is, and written in a short transaction."""
        for start in sorted({period.start for period in periods}):
            with self.db.session(readonly=True) as session:
                if repo.start_states_kept(session, start):
                    continue
                through, rows = repo.states_at_start(session, start)
            with self.db.session() as session:
                repo.keep_start_states(session, start, through, rows)

    def _score_apart(self, period, as_of, rules):
        with self.db.session(readonly=True) as session:
            return self._score(session, period, as_of, rules)

    def _live(self, session, period, as_of, rules):
        """The live state of a period not frozen: the kept standings when they are
        fresh, else scored now (the timer keeps the current period's)."""
        row = repo.standings_row(session, period.key)
        if (row is not None and not row.stale and row.as_of == as_of
                and row.rules_version == rules.version):
            groups, computed_at = row.groups, row.computed_at
        else:
            computed_at = utcnow()
            groups = self._score(session, period, as_of, rules)
        return {"period": period.key, "status": "live", "as_of": as_of.isoformat(),
                "rules_version": rules.version, "computed_at": utc_iso(computed_at),
                "stale": False, "late_events": 0, "approved_at": None, "published_at": None,
                "groups": groups}

    def _flooded(self, quiet):
        """Whether events are still being applied: the last within `quiet`."""
        with self.db.session(readonly=True) as session:
            last = repo.last_applied_at(session)
        return logic.flooding(last, utcnow(), quiet)

    def _stale_drafts(self):
        with self.db.session(readonly=True) as session:
            return repo.stale_drafts(session)

    def _freeze(self, session, period, rules, user):
        """Draft a period's ranking; a draft made meanwhile (by the timer or an
        admin) is kept."""
        repo.add_draft(session, period, rules.version,
                       self._score(session, period, period.end, rules), user)

    def _recompute(self, key):
        """Score a draft again as of its period's end, with the rules in force."""
        period = logic.parse_period(key)
        with self.db.session(readonly=True) as session:
            rules = repo.RULES.current(session)
            groups = self._score(session, period, period.end, rules)
        with self.db.session() as session:
            repo.replace_draft(session, period, rules.version, groups)

    def _frozen(self, session, key, status, hint):
        frozen = repo.ranking_row(session, key)
        if frozen is None:
            raise NotFound(f"no ranking of {key} is drafted")
        if frozen.status != status:
            raise Conflict(f"the ranking of {key} is {frozen.status}; {hint}")
        return frozen

    def _state(self, session, key):
        return {**repo.ranking_dict(repo.ranking_row(session, key)),
                "label": logic.parse_period(key).label}


def score_period(session, period, as_of, rules):
    """{group: ranking} of a period as of a day, with rank changes against the
    previous period (its frozen ranking, or scored as of its end)."""
    with collector_paused():  # a period's facts: many small objects, no cycles
        entries = logic.score_units(period, as_of, rules,
                                    repo.load_facts(session, period, as_of, rules))
        before = period.previous()
        frozen = repo.ranking_row(session, before.key)
        if frozen is not None:
            previous = logic.ranks_of(frozen.groups)
        else:
            previous = logic.ranks_of(logic.rank_groups(logic.score_units(
                before, before.end, rules,
                repo.load_facts(session, before, before.end, rules)), rules))
        return logic.rank_groups(entries, rules, previous)


def _date(value, field):
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else value.date()
    except (AttributeError, ValueError):
        raise InvalidInput({field: "a date as YYYY-MM-DD"}) from None


def _evaluation(data):
    """{unit, score, comment, lead_unit} of an evaluation, checked; mass
    assignment refused."""
    if not isinstance(data, dict):
        raise InvalidInput({"evaluation": "an object {unit, score, comment}"})
    problems = {key: "not a field of an evaluation" for key in data
                if key not in ("unit", "score", "comment", "lead_unit")}
    unit, score, comment = data.get("unit"), data.get("score"), data.get("comment")
    if not isinstance(unit, str) or not 0 < len(unit) <= 32:
        problems["unit"] = "the code of the evaluated unit"
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
        problems["score"] = "a number from 0 to 100"
    if not isinstance(comment, str) or not comment.strip() or len(comment) > MAX_COMMENT:
        problems["comment"] = f"a text of 1–{MAX_COMMENT} characters"
    lead_unit = data.get("lead_unit")
    if lead_unit is not None and (not isinstance(lead_unit, str) or not 0 < len(lead_unit) <= 32):
        problems["lead_unit"] = "a unit code"
    if problems:
        raise InvalidInput(problems)
    return {"unit": unit, "score": float(score), "comment": comment.strip(),
            "lead_unit": lead_unit}
