"""The warnings service's entrypoints for 三问 accountability records: opened by
the office on its grounds, measures recorded, the unit's rectification plan,
closing, and the record as a Word document for filing. Mixed into the Service of
service.py; the rules are in accountability.py, the document in
accountability_document.py."""
import base64

from marshmallow import ValidationError

from services.common.clock import utcnow
from services.common.consuming import applied_once, event_handler, rpc
from services.common.events import new_event
from services.common.paging import page
from services.common.scope import require_role, unit_scope
from services.common.text import refuse_unstorable

from . import accountability as rules_of
from . import events
from . import repository as repo
from .accountability_document import render_docx
from .calendar import calendar_in_force
from .exceptions import EXPECTED, Conflict, Forbidden, InvalidInput, NotFound
from .notices import notice_number
from .schemas import (
    AccountabilityIn,
    GamingSignalConfirmedIn,
    MeasureIn,
    PlanIn,
    RankingPublishedIn,
)


def _load(schema, data):
    try:
        return schema.load(data if isinstance(data, dict) else {})
    except ValidationError as err:
        raise InvalidInput(err.messages) from None


class AccountabilityEntrypoints:
    """Emits accountability_opened, accountability_measure_taken,
    rectification_planned, accountability_closed, and at a full evaluation
    rectification_overdue with a colour_changed of item kind rectification."""

    @event_handler("ranking", "ranking_published")
    @applied_once(RankingPublishedIn)
    def on_ranking_published(self, session, event):
        """Keep the published black lists: a ground for an accountability record."""
        listed = {}
        for group in event["groups"]:
            for entry in group["black_list"]:
                listed.setdefault(entry["unit"], []).extend(entry["reasons"])
        repo.keep_black_lists(session, event["period"], event["label"], listed.items())

    @event_handler("tasks", "gaming_signal_confirmed")
    @applied_once(GamingSignalConfirmedIn)
    def on_gaming_signal_confirmed(self, session, event):
        """A signal of gamed numbers the office confirmed opens a 三问 record for
        its unit, on the day it was confirmed. Emits accountability_opened."""
        detail, summary = rules_of.gaming_signal_ground(event["kind_name"], event["detail"],
                                                        event["note"])
        opened_on = event["effective_on"]
        record_id = repo.add_accountability_record(session, {
            "unit": event["unit"], "ground": rules_of.GAMING_SIGNAL,
            "ground_ref": str(event["signal_id"]), "ground_detail": detail,
            "task_code": event["task"], "questions": list(rules_of.GAMING_SIGNAL_QUESTIONS),
            "summary": summary, "status": rules_of.OPEN, "opened_on": opened_on,
            "opened_by": event.get("confirmed_by") or "admin", "opened_at": utcnow(),
            "plan_deadline": None, "colour": "green", "colour_since": opened_on})
        row = repo.accountability_row(session, record_id)
        self.db.emit(session, events.ACCOUNTABILITY_OPENED, events.AccountabilityOpened().dump(
            new_event(questions=list(row.questions), opened_on=opened_on.isoformat(),
                      plan_deadline=None, **_ids(row))))

    @rpc(expected_exceptions=EXPECTED)
    def open_accountability_record(self, data, caller):
        """Open a record (admin): AccountabilityIn. The ground is checked: the unit
        on a published black list (ground_ref the period, default the latest),
        its task (ground_ref) red for accountability_red_days days, or its notice
        (ground_ref the id) overdue. Answers the record. Emits
        accountability_opened."""
        require_role(caller, "admin")
        loaded = _load(AccountabilityIn(), data)
        today = self.clock.today()
        with self.db.session() as session:
            ground, ref, task = loaded["ground"], loaded.get("ground_ref"), None
            if ground == rules_of.BLACK_LIST:
                ref, detail = rules_of.black_list_ground(
                    loaded["unit"], repo.black_listings(session, loaded["unit"], ref))
            elif ground == rules_of.RED_DAYS:
                state = repo.task_colour_row(session, ref or "")
                if state is not None and state.unit != loaded["unit"]:
                    state = None
                rules = repo.RULES.current(session)
                days = (calendar_in_force(session, rules.calendar_mode)
                        .working_days_between(state.since, today) if state else 0)
                detail = rules_of.red_days_ground(ref, state, days, rules)
                task = ref
            else:
                notice = repo.notice_row(session, int(ref)) if (ref or "").isdigit() else None
                if notice is None or notice.unit != loaded["unit"]:
                    raise InvalidInput({"ground_ref": {
                        "code": "notice_unknown",
                        "message": f"单位 {loaded['unit']} 没有这份督办单，不能以此立案。"}})
                detail = rules_of.notice_ground(notice, notice_number(notice.year, notice.number))
                task = notice.task_code
            deadline = loaded.get("plan_deadline")
            if deadline is not None and deadline < today:
                raise InvalidInput({"plan_deadline": "must not be before today"})
            record_id = repo.add_accountability_record(session, {
                "unit": loaded["unit"], "ground": ground, "ground_ref": ref or "",
                "ground_detail": detail, "task_code": task,
                "questions": list(dict.fromkeys(loaded["questions"])),
                "summary": loaded["summary"], "status": rules_of.OPEN, "opened_on": today,
                "opened_by": (caller or {}).get("user") or "admin", "opened_at": utcnow(),
                "plan_deadline": deadline, "colour": "green", "colour_since": today})
            row = repo.accountability_row(session, record_id)
            self.db.emit(session, events.ACCOUNTABILITY_OPENED, events.AccountabilityOpened().dump(
                new_event(questions=list(row.questions), opened_on=today.isoformat(),
                          plan_deadline=deadline.isoformat() if deadline else None,
                          **_ids(row))))
            return repo.accountability_dict(row)

    @rpc(expected_exceptions=EXPECTED)
    def record_accountability_measure(self, record_id, data, caller):
        """Record a measure taken (admin): MeasureIn {kind (interview, criticism,
        deadline, referral), taken_on, result}. Answers the record. Emits
        accountability_measure_taken."""
        require_role(caller, "admin")
        measure = _load(MeasureIn(), data)
        with self.db.session() as session:
            row = self._record(session, record_id, caller)
            if row.status == rules_of.CLOSED:
                raise Conflict(f"record {record_id} is closed")
            repo.add_measure(session, row.id, measure, caller.get("user") or "admin", utcnow())
            self.db.emit(session, events.ACCOUNTABILITY_MEASURE_TAKEN,
                         events.AccountabilityMeasureTaken().dump(new_event(
                             kind=measure["kind"], taken_on=measure["taken_on"].isoformat(),
                             result=measure["result"], **_ids(row))))
            return self._record_dict(session, row.id)

    @rpc(expected_exceptions=EXPECTED)
    def submit_rectification_plan(self, record_id, data, caller):
        """The unit's written rectification plan (整改方案) with its deadline (the
        office's, when it set one, unless another is given), by the unit's
        operator or the office. Answers the record. Emits rectification_planned."""
        require_role(caller, "admin", "operator")
        loaded = _load(PlanIn(), data)
        with self.db.session() as session:
            row = self._record(session, record_id, caller)
            deadline = loaded.get("deadline") or row.plan_deadline
            rules_of.check_plan(row.status, deadline, row.opened_on)
            repo.update_accountability(session, row.id, plan=loaded["plan"],
                                       plan_deadline=deadline, plan_by=caller.get("user"),
                                       plan_at=utcnow())
            self.db.emit(session, events.RECTIFICATION_PLANNED, events.RectificationPlanned().dump(
                new_event(deadline=deadline.isoformat(), **_ids(row))))
            return self._record_dict(session, row.id)

    @rpc(expected_exceptions=EXPECTED)
    def close_accountability_record(self, record_id, caller, rectified=True, note=None):
        """End a record (admin): rectified (整改到位) or closed with the office's
        `note`. Its rectification is no longer judged. Answers the record. Emits
        accountability_closed."""
        refuse_unstorable(note=note)
        require_role(caller, "admin")
        if note is not None and (not isinstance(note, str) or len(note) > 5000):
            raise InvalidInput({"note": "at most 5,000 characters"})
        with self.db.session() as session:
            row = self._record(session, record_id, caller)
            if row.status != rules_of.OPEN:
                raise Conflict(f"record {record_id} is {row.status}")
            status = rules_of.RECTIFIED if rectified else rules_of.CLOSED
            now = utcnow()
            repo.update_accountability(session, row.id, status=status, closed_at=now,
                                       closed_by=caller.get("user"), close_note=note,
                                       rectified_at=now if rectified else None)
            if row.colour != "green":  # a red spell ends with the record, for the ranking too
                today = self.clock.today()
                repo.set_accountability_colours(session, [(row, "green")], today)
                self._emit_colours(session, [(row, "green", "问责事项已办结")], today,
                                   repo.RULES.current(session))
            self.db.emit(session, events.ACCOUNTABILITY_CLOSED, events.AccountabilityClosed().dump(
                new_event(status=status, note=note, **_ids(row))))
            return self._record_dict(session, row.id)

    @rpc(expected_exceptions=EXPECTED)
    def list_accountability_records(self, caller, unit=None, status=None, open_only=False,
                                    limit=100, offset=0):
        """Records, newest first, within the caller's units (the office and leaders
        see all): {"items": [record], "total"}."""
        refuse_unstorable(unit=unit, status=status)
        if status is not None and status not in rules_of.STATUSES:
            raise InvalidInput({"status": ", ".join(rules_of.STATUSES)})
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.list_accountability(session, limit, offset, unit=unit, status=status,
                                            open_only=bool(open_only),
                                            scope=unit_scope(caller))

    @rpc(expected_exceptions=EXPECTED)
    def get_accountability_record(self, record_id, caller):
        """One record with its measures. NotFound; Forbidden outside the caller's units."""
        with self.db.session(readonly=True) as session:
            row = self._record(session, record_id, caller)
            return self._record_dict(session, row.id)

    @rpc(expected_exceptions=EXPECTED)
    def export_accountability_record(self, record_id, caller, unit_name=None):
        """The record as a Word document for the office's filing: {filename,
        content_type, content_b64}."""
        refuse_unstorable(unit_name=unit_name)
        with self.db.session(readonly=True) as session:
            row = self._record(session, record_id, caller)
            record = self._record_dict(session, row.id)
        content = render_docx(record, unit_name or record["unit"])
        return {"filename": f"accountability-{record['id']}.docx",
                "content_type": "application/vnd.openxmlformats-officedocument"
                                ".wordprocessingml.document",
                "content_b64": base64.b64encode(content).decode()}

    # Inside ---------------------------------------------------------------------

    def _record(self, session, record_id, caller):
        scope = unit_scope(caller)
        row = repo.accountability_row(session, record_id) \
            if isinstance(record_id, int) and not isinstance(record_id, bool) else None
        if scope is not None and (row is None or row.unit not in scope):
            raise Forbidden("outside the caller's units")
        if row is None:
            raise NotFound(f"no accountability record {record_id}")
        return row

    def _record_dict(self, session, record_id):
        row = repo.accountability_row(session, record_id)
        return repo.accountability_dict(
            row, repo.accountability_measures_of(session, [row.id]).get(row.id, ()))

    def _judge_rectifications(self, session, as_of, rules):
        """Colour the open records' rectifications as of a day: red past their
        deadline. Emits rectification_overdue for each turning red, and one
        colour_changed for every change. Answers how many turned red."""
        moved = rules_of.judged(repo.planned_accountability(session), as_of)
        if not moved:
            return 0
        repo.set_accountability_colours(session, moved, as_of)
        said = []
        for row, colour in moved:
            said.append((row, colour, rules_of.overdue_words(row, as_of) if colour == "red"
                         else "整改方案在期限内"))
            if colour == "red":
                self.db.emit(session, events.RECTIFICATION_OVERDUE,
                             events.RectificationOverdue().dump(new_event(
                                 deadline=row.plan_deadline.isoformat(),
                                 as_of=as_of.isoformat(), **_ids(row))))
        self._emit_colours(session, said, as_of, rules)
        return sum(1 for _, colour in moved if colour == "red")

    def _emit_colours(self, session, said, as_of, rules):
        """One colour_changed for records' rectifications: [(row, colour, reason)]."""
        self.db.emit(session, events.COLOUR_CHANGED, events.ColourChanged().dump(new_event(
            as_of=as_of.isoformat(), changes=[{
                "item_kind": rules_of.ITEM_KIND, "item_key": rules_of.item_key(row.id),
                "task": row.task_code or "", "unit": row.unit, "colour": colour,
                "previous": row.colour, "reason": reason, "rule_version": rules.version}
                for row, colour, reason in said])))


def _ids(row):
    return {"record_id": row.id, "unit": row.unit, "task": row.task_code,
            "ground": row.ground, "ground_detail": row.ground_detail}
