"""The tasks service's entrypoints for the evidence a report carries and for the
extensions units ask for. Mixed into the Service of service.py, whose own
methods (_visible_task, _scope, _extend) they use; the rules are in
evidence_rules.py."""
from marshmallow import ValidationError

from services.common.clock import utcnow
from services.common.consuming import rpc
from services.common.events import new_event
from services.common.paging import page
from services.common.scope import require_role
from services.common.text import refuse_unstorable

from . import events, evidence_rules
from . import repository as repo
from . import repository_requests as requests_repo
from .exceptions import EXPECTED, InvalidInput, NotFound
from .schemas import ExtensionDecisionIn, ExtensionRequestIn
from .texts import say


def _load(schema, data):
    try:
        return schema.load(data if isinstance(data, dict) else {})
    except ValidationError as err:
        raise InvalidInput(err.messages) from None


class ExtensionRequestsEntrypoints:
    """The evidence rules (get, change, versions: the stored versions are their
    audit); extension requests (ask, decide, list). Emits extension_requested
    and extension_decided (with task_extended for an approval)."""

    # The evidence rules ----------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_evidence_rules(self):
        """The evidence rules in force: {version, rules: {at_full, at_target_met},
        created_by, created_at, note}."""
        with self.db.session(readonly=True) as session:
            return requests_repo.EVIDENCE_RULES.in_force(session)

    @rpc(expected_exceptions=EXPECTED)
    def update_evidence_rules(self, data, caller, note=None):
        """Store a new version of the evidence rules (admin only); it applies to
        the reports received from then on. Answers what get_evidence_rules
        answers."""
        require_role(caller, "admin")
        refuse_unstorable(note=note)
        with self.db.session() as session:
            requests_repo.EVIDENCE_RULES.store_next(session, data, caller.get("user"), note)
            return requests_repo.EVIDENCE_RULES.in_force(session)

    @rpc(expected_exceptions=EXPECTED)
    def list_evidence_rule_versions(self, limit=100, offset=0):
        """The stored versions of the evidence rules, newest first: {"items", "total"}."""
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return requests_repo.EVIDENCE_RULES.stored(session, limit, offset)

    # Extension requests ----------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def request_extension(self, code, asked_due_date, reason, caller, seq=None):
        """The lead unit asks for a later due date of the task (`seq` None) or of
        one of its targets, with a reason; one request per date may be pending.
        Answers the request; emits extension_requested."""
        refuse_unstorable(code=code, reason=reason)
        loaded = _load(ExtensionRequestIn(), {"asked_due_date": asked_due_date, "seq": seq,
                                              "reason": reason})
        reason = loaded["reason"].strip()
        if not reason:
            raise InvalidInput({"reason": say("reason_required")})
        asked, now, user = loaded["asked_due_date"], utcnow(), (caller or {}).get("user")
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True,
                                     action="task.request_extension")
            if seq is None:
                previous = row.due_date
            else:
                previous = repo.target_due_date(session, code, seq)
                if previous is None:
                    raise NotFound(f"no target {seq} of task {code}")
            problem = evidence_rules.request_problem(
                row.status, asked, previous, row.due_date, seq,
                requests_repo.pending_for(session, code, seq), code)
            if problem:
                raise InvalidInput(problem)
            request_id = requests_repo.insert_request(session, code, seq, row.lead_unit,
                                                      previous, asked, reason, user, now)
            self.db.emit(session, events.EXTENSION_REQUESTED, events.ExtensionRequested().dump(
                new_event(request_id=request_id, task=code, seq=seq, unit=row.lead_unit,
                          previous_due_date=previous.isoformat(),
                          asked_due_date=asked.isoformat(), reason=reason,
                          requested_by=user, requested_at=now.isoformat())))
            return requests_repo.request_dict(requests_repo.request_row(session, request_id))

    @rpc(expected_exceptions=EXPECTED)
    def decide_extension(self, request_id, outcome, reason, caller, granted_due_date=None):
        """The office decides a pending request (admin only): `outcome` approved
        (to the asked date), shortened (to `granted_due_date`, between the old
        and the asked date) or refused, with a reason. An approval moves the
        date as extend_task does. Answers the request; emits extension_decided
        (and task_extended for an approval)."""
        require_role(caller, "admin")
        refuse_unstorable(reason=reason, outcome=outcome)
        loaded = _load(ExtensionDecisionIn(), {"outcome": outcome, "reason": reason,
                                               "granted_due_date": granted_due_date})
        reason = loaded["reason"].strip()
        if not reason:
            raise InvalidInput({"reason": say("reason_required")})
        if not isinstance(request_id, int) or isinstance(request_id, bool):
            raise InvalidInput({"request_id": "a request's id"})
        user, now, today = caller.get("user"), utcnow(), self.clock.today()
        with self.db.session() as session:
            found = requests_repo.request_row(session, request_id)
            if found is None:
                raise NotFound(say("extension_request_not_found", request=request_id))
            request = requests_repo.request_dict(found)
            granted, problem = evidence_rules.decision(
                {"status": found.status, "previous_due_date": found.previous_due_date,
                 "asked_due_date": found.asked_due_date},
                loaded["outcome"], loaded.get("granted_due_date"))
            if problem:
                raise InvalidInput(problem)
            extension_id = None
            if granted is not None:
                row = repo.task_row(session, found.task_code)
                self._extend(session, row, found.seq, granted, reason, caller)
                extension_id = requests_repo.latest_extension_id(session, found.task_code)
            requests_repo.decide(session, request_id, loaded["outcome"], granted, reason, user,
                                 now, extension_id)
            self.db.emit(session, events.EXTENSION_DECIDED, events.ExtensionDecided().dump(
                new_event(request_id=request_id, task=request["task"], seq=request["seq"],
                          unit=request["unit"], outcome=loaded["outcome"],
                          previous_due_date=request["previous_due_date"],
                          asked_due_date=request["asked_due_date"],
                          granted_due_date=granted and granted.isoformat(), reason=reason,
                          decided_by=user, effective_on=today.isoformat())))
            return requests_repo.request_dict(requests_repo.request_row(session, request_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_extension_requests(self, caller, status=None, unit=None, task=None, limit=100,
                                offset=0):
        """Extension requests within the caller's units (the office: all; its
        queue is status "pending", oldest first): {"items", "total", "counts":
        {pending, approved, shortened, refused}}."""
        refuse_unstorable(status=status, unit=unit, task=task)
        if status is not None and status not in evidence_rules.DECISION_NAMES:
            raise InvalidInput({"status": f"one of {', '.join(evidence_rules.DECISION_NAMES)}"})
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            scope = self._scope(session, caller)
            return requests_repo.list_requests(session, limit, offset, scope=scope,
                                               status=status, unit=unit, task=task)

    # Inside ------------------------------------------------------------------------

    def _evidence_check(self, session, items, states):
        """The evidence check of a batch (evidence_rules.evidence_check) by the
        rules in force, over the uploads the items name."""
        named = [i for item in items if isinstance(item, dict)
                 and isinstance(item.get("evidence"), list) for i in item["evidence"]]
        # Only a report claiming a target met asks for its task's targets: most of
        # a county's batch of a thousand claims none.
        claiming = {item.get("task") for item in items if isinstance(item, dict)
                    and item.get("target_met") is not None}
        return evidence_rules.evidence_check(
            requests_repo.unclaimed_uploads(session, named),
            requests_repo.EVIDENCE_RULES.current(session),
            requests_repo.target_seqs(session, claiming & set(states)))

    @staticmethod
    def _attach_evidence(session, item):
        requests_repo.attach_evidence(session, item["id"], item.get("evidence") or [])
