"""The tasks service's entrypoints for the signals of gamed numbers: found after
each batch of reports, evidence upload and 13710 stage for the tasks touched
(`_find_signals`, in the same transaction), listed and reviewed by the office
alone. Mixed into the Service of service.py; the rules are in signals.py, the
queries in repository_signals.py."""
import functools

from services.common.clock import utcnow
from services.common.consuming import rpc
from services.common.events import new_event
from services.common.paging import page
from services.common.scope import require_role
from services.common.text import refuse_unstorable

from . import events, signals
from . import repository as repo
from . import repository_signals as signals_repo
from .exceptions import EXPECTED, Conflict, InvalidInput, NotFound
from .texts import say


class SignalsEntrypoints:
    """list_signals and review_signal, for the office (admin) only: units never
    see a signal. Emits gaming_signal_confirmed for a signal confirmed."""

    @rpc(expected_exceptions=EXPECTED)
    def list_signals(self, caller, kind=None, status=None, unit=None, limit=100, offset=0):
        """The signals, newest first, with their task's title and unit's name:
        {items, total, counts: {open, reviewed, confirmed}}. Admin only."""
        require_role(caller, "admin")
        refuse_unstorable(kind=kind, status=status, unit=unit)
        if kind is not None and kind not in signals.KINDS:
            raise InvalidInput({"kind": ", ".join(signals.KINDS)})
        if status is not None and status not in signals.STATUSES:
            raise InvalidInput({"status": ", ".join(signals.STATUSES)})
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return signals_repo.list_signals(session, limit, offset, kind=kind, status=status,
                                             unit=unit)

    @rpc(expected_exceptions=EXPECTED)
    def review_signal(self, signal_id, verdict, caller, note=None):
        """The office marks an open signal reviewed (看过，无问题) or confirmed (属实,
        with its note). Answers the signal. A confirmed one emits
        gaming_signal_confirmed."""
        require_role(caller, "admin")
        refuse_unstorable(verdict=verdict, note=note)
        if note is not None and (not isinstance(note, str) or len(note) > 2000):
            raise InvalidInput({"note": "at most 2,000 characters"})
        note = (note or "").strip() or None
        if verdict not in signals.VERDICTS:
            raise InvalidInput({"verdict": say("signal_verdict")})
        if verdict == signals.CONFIRMED and not note:
            raise InvalidInput({"note": say("signal_note_required")})
        row = None
        with self.db.session() as session:
            if isinstance(signal_id, int) and not isinstance(signal_id, bool):
                row = signals_repo.signal_row(session, signal_id)
            if row is None:
                raise NotFound(say("signal_not_found", signal=signal_id))
            if signals.review_problem(row.status, verdict):
                raise Conflict(say("signal_reviewed",
                                   status=signals.STATUS_NAMES.get(row.status, row.status)))
            user = (caller or {}).get("user")
            signals_repo.review_signal(session, row.id, verdict, note, user, utcnow())
            (answer,) = signals_repo.list_signals_by_id(session, [row.id])
            if verdict == signals.CONFIRMED:
                self.db.emit(session, events.GAMING_SIGNAL_CONFIRMED,
                             events.GamingSignalConfirmed().dump(new_event(
                                 signal_id=row.id, kind=row.kind,
                                 kind_name=answer["kind_name"], task=row.task_code,
                                 title=answer["title"], unit=row.unit, detail=row.detail,
                                 note=note, confirmed_by=user,
                                 effective_on=self.clock.today().isoformat())))
            return answer

    # Inside ---------------------------------------------------------------------

    def _find_signals(self, session, codes, units=(), states=None):
        """Run every detector over the tasks `codes` (and the units `units`, whose
        latest reports show how they file) and keep the signals not kept before.
        `states`: {code: logic.TaskState} of these tasks as they stand now, when
        the caller read them (a batch of reports), else they are read here.
        Answers how many were new."""
        codes = {code for code in codes if isinstance(code, str)}
        if not codes:
            return 0
        # The office's entered years over the package's, as notify and ranking
        # count: a year beyond the package is not Monday to Friday once entered.
        calendar = repo.CALENDAR.calendar(session)
        if states is None:
            found_tasks = signals_repo.tasks_of(session, codes)
        else:
            found_tasks = {code: signals.task_of(code, states[code]) for code in codes
                           if code in states}
        counts = signals_repo.evidence_counts(session, set(found_tasks))
        # A task's history is read only where a detector needs it: at 100% (a late
        # jump) or without any file (rising without evidence), until that is a
        # signal kept (one a task: it is never found anew).
        bare = {signals.no_evidence_key(code): code for code in found_tasks
                if not counts.get(code)}
        kept = signals_repo.kept_keys(session, set(bare))
        bare = {code for key, code in bare.items() if key not in kept}
        reports = signals_repo.reports_of(session, bare | {
            code for code, task in found_tasks.items() if task["percent"] >= 100})
        stages = signals_repo.stages_of(session, {
            code for code, task in found_tasks.items() if task["clock_class"]})
        uses = signals_repo.uses_of_files(session, set(found_tasks))
        by_unit = signals_repo.unit_reports(session, set(units))
        deadlines = signals_repo.deadline_days(session, {
            report["task"] for found in by_unit.values() for report in found})
        names = signals_repo.unit_names(session, {use["unit"] for use in uses} | set(by_unit))
        local = self.clock.local
        found = signals.reused_evidence(uses, names)
        for code, task in found_tasks.items():
            history = reports.get(code, ())
            # Rises are counted in the order received, which UTC keeps as well as
            # local time; only a jump to 100% needs the city's days.
            found += signals.no_evidence(task, history, counts.get(code, 0))
            if any(report["percent"] >= 100 for report in history):
                found += signals.late_jump(task, [
                    {**report, "received_at": local(report["received_at"])}
                    for report in history], calendar)
            found += signals.last_moment_stages(
                task, {stage: local(moment) for stage, moment in stages.get(code, {}).items()},
                calendar)
        for unit, filed in by_unit.items():
            found += signals.last_hour(
                unit, [{**report, "received_at": local(report["received_at"])}
                       for report in filed], deadlines, names)
        return signals_repo.store_signals(session, found, utcnow())

    def _units_to_watch(self, session, reports):
        """The units of `reports` (just accepted) whose filing may have begun or
        lengthened a run of reports filed in the last hour of a deadline day
        (signals.last_hour): those with a report here in the last hour of one of
        its task's deadline days. A run without any of this batch's reports is
        one seen before, or the tail of one, so a unit's earlier reports (200 a
        unit, once most of a batch's time) are read only for those units."""
        # A batch's reports mostly share one receipt (the moment it arrived): each
        # moment is converted and judged once, not once a report.
        @functools.cache
        def late_local(moment):
            local = self.clock.local(moment)
            return local if signals.in_last_hour(local) else None

        found = ((report, late_local(report["received_at"])) for report in reports)
        late = [(report, moment) for report, moment in found if moment is not None]
        if not late:
            return set()
        deadlines = signals_repo.deadline_days(session, {report["task"] for report, _ in late})
        return {report["unit"] for report, moment in late
                if signals.at_last_hour(moment, deadlines.get(report["task"], ()))}
