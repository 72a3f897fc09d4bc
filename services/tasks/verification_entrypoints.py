"""The tasks service's entrypoints for 复核: the office's work queue of a unit's
requests (closing a task, a 13710 stage, a kept commitment), its confirmation or
send-back, and the verification policy. Mixed into the Service of service.py;
close_task, record_clock_stage and fulfil_commitment make their requests through
`_request_*` here. The rules are in verification.py."""
import datetime as dt
import secrets

from services.common.clock import utcnow
from services.common.consuming import rpc
from services.common.events import new_event
from services.common.paging import page
from services.common.scope import require_role
from services.common.text import refuse_unstorable

from . import events
from . import repository as repo
from . import verification as rules
from . import verification_repository as vrepo
from .exceptions import EXPECTED, Conflict, InvalidInput, NotFound
from .texts import STAGE_NAMES


def _moment(text):
    return dt.datetime.fromisoformat(text) if text else None


class VerificationEntrypoints:
    """复核. Emits verification_requested, verification_confirmed (with the
    fact event: task_closed, clock_stage_recorded or commitment_fulfilled) and
    verification_returned."""

    # The office's queue ------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_verifications(self, caller, status="pending", kind=None, task=None, limit=100,
                           offset=0):
        """Requests, oldest first, each with its task's title, its unit's name,
        its kind, when it was asked and what it claims: {"items", "total",
        "counts": {kind: pending, "total"}}. The office reads every unit's; a
        unit reads its own, as verification_view shows it (never its draw).
        `status` one of pending, confirmed, returned, counted, or None for all."""
        refuse_unstorable(status=status, kind=kind, task=task)
        if status is not None and status not in rules.STATUSES:
            raise InvalidInput({"status": f"one of {', '.join(rules.STATUSES)}"})
        if kind is not None and kind not in rules.KINDS:
            raise InvalidInput({"kind": f"one of {', '.join(rules.KINDS)}"})
        limit, offset = page(limit, offset)
        office = (caller or {}).get("role") == "admin"
        with self.db.session(readonly=True) as session:
            scope = self._scope(session, caller)
            if not office and status in (rules.COUNTED, rules.CONFIRMED):
                # A unit does not tell counted from confirmed: both are 已计入.
                status = (rules.COUNTED, rules.CONFIRMED)
            found = vrepo.listing(session, limit, offset, status=status, kind=kind,
                                  scope=scope, task=task)
            names = self._subject_names(session, found["items"])
            counts = rules.counts(vrepo.pending_counts(session, scope))
        items = [{**rules.verification_view(item, office), "task_title": item["task_title"],
                  "unit_name": item["unit_name"], "subject_name": names.get(item["id"])}
                 for item in found["items"]]
        return {"items": items, "total": found["total"], "counts": counts}

    @rpc(expected_exceptions=EXPECTED)
    def confirm_verification(self, verification_id, caller):
        """The office confirms a pending request (admin only): the task is
        closed, the stage recorded with the unit's own times, the commitment kept
        as of the day the unit said so. Answers the request; emits
        verification_confirmed and the fact event."""
        require_role(caller, "admin")
        user, now = (caller or {}).get("user"), utcnow()
        with self.db.session() as session:
            item = self._pending(session, verification_id)
            if item["kind"] == rules.CLOSURE:
                row = repo.task_row(session, item["task"])
                if row.status != "active":
                    raise Conflict({"code": "task_not_active",
                                    "message": f"任务 {row.code} 已不在办理中，不能确认销号。"})
                self._count_closure(session, row, _moment(item["requested_at"]))
            elif item["kind"] == rules.CLOCK_STAGE:
                self._count_stage(session, item["task"], item["subject"],
                                  _moment(item["claim"]["recorded_at"]),
                                  _moment(item["claim"]["received_at"]), item["requested_by"])
            else:
                self._count_commitment(session, int(item["subject"]),
                                       _moment(item["claim"]["fulfilled_at"]))
            vrepo.decide(session, item["id"], rules.CONFIRMED, user, now)
            self.db.emit(session, events.VERIFICATION_CONFIRMED,
                         events.VerificationConfirmed().dump(new_event(
                             verification=self._payload(session, item),
                             confirmed_by=user, confirmed_at=now.isoformat())))
            return self._office_view(session, item["id"])

    @rpc(expected_exceptions=EXPECTED)
    def return_verification(self, verification_id, reason, caller):
        """The office sends a pending request back (退回, admin only) with its
        reason: the task stays in hand, the stage unrecorded, the commitment
        open, and the unit may ask again. Answers the request; emits
        verification_returned."""
        require_role(caller, "admin")
        refuse_unstorable(reason=reason)
        reason = rules.return_reason(reason)
        user, now = (caller or {}).get("user"), utcnow()
        with self.db.session() as session:
            item = self._pending(session, verification_id)
            vrepo.decide(session, item["id"], rules.RETURNED, user, now, reason)
            self.db.emit(session, events.VERIFICATION_RETURNED,
                         events.VerificationReturned().dump(new_event(
                             verification=self._payload(session, item), reason=reason,
                             returned_by=user, returned_at=now.isoformat(),
                             effective_on=self.clock.today().isoformat())))
            return self._office_view(session, item["id"])

    # The policy ----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_verification_policy(self, caller):
        """The policy in force (office only): {version, rules: {closure,
        clock_stage, commitment: {mode, percent}}, created_by, created_at, note}."""
        require_role(caller, "admin")
        with self.db.session(readonly=True) as session:
            return vrepo.POLICY.in_force(session)

    @rpc(expected_exceptions=EXPECTED)
    def update_verification_policy(self, data, caller, note=None):
        """A new version of the policy (office only): the kinds it names change,
        the others keep theirs. It applies to requests made from now on. Answers
        the policy in force with `changes` {kind: [before, now]}."""
        require_role(caller, "admin")
        refuse_unstorable(note=note)
        if note is not None and (not isinstance(note, str) or len(note) > 500):
            raise InvalidInput({"note": "at most 500 characters"})
        with self.db.session() as session:
            _before, _now, changes = vrepo.POLICY.store_next(session, data, caller["user"],
                                                              note)
            return {**vrepo.POLICY.in_force(session), "changes": changes}

    @rpc(expected_exceptions=EXPECTED)
    def list_verification_policy_versions(self, caller, limit=20, offset=0):
        """The stored versions of the policy, newest first (office only)."""
        require_role(caller, "admin")
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return vrepo.POLICY.stored(session, limit, offset)

    # Requests (from close_task, record_clock_stage, fulfil_commitment) -----------

    def _request(self, session, kind, task_code, unit, subject, claim, status_before,
                 caller, now, count):
        """Keep the request, drawn by the policy in force, and announce it; not
        drawn, `count()` makes it count at once, its fact event first (as before
        复核: consumers of the fact see no change). Answers whether it waits for
        the office. The office's own step is never checked by itself."""
        policy = vrepo.POLICY.current(session)
        rule = policy.rule(kind)
        office = (caller or {}).get("role") == "admin"
        # Drawn now, with `secrets`, and kept: nothing a unit can know or replay
        # tells it beforehand whether this request will be checked.
        draw = (secrets.randbelow(rules.DRAW_RANGE)
                if rules.needs_draw(rule) and not office else None)
        pending = not office and rules.is_sampled(rule, draw)
        verification_id = vrepo.insert(
            session, kind, task_code, unit, subject, claim,
            rules.PENDING if pending else rules.COUNTED, policy.version, draw, status_before,
            (caller or {}).get("user"), now)
        item = vrepo.verification_dict(vrepo.row(session, verification_id))
        if not pending:
            count()
        self.db.emit(session, events.VERIFICATION_REQUESTED,
                     events.VerificationRequested().dump(new_event(
                         verification=self._payload(session, item), pending=pending)))
        return pending

    def stage_waiting(self, session, code, stage):
        """Whether the task's stage waits for the office's check."""
        return vrepo.pending_for(session, rules.CLOCK_STAGE, code, stage) is not None

    def _refuse_pending(self, session, kind, task_code, subject, words):
        if vrepo.pending_for(session, kind, task_code, subject) is not None:
            raise Conflict(rules.pending_problem(kind, words))

    def _request_closure(self, session, row, caller):
        """close_task's request: the task closed now, or waiting for the office."""
        self._refuse_pending(session, rules.CLOSURE, row.code, None, f"任务 {row.code} ")
        now = utcnow()
        self._request(session, rules.CLOSURE, row.code, row.lead_unit, None,
                      {"percent": row.percent, "evidence": repo.evidence_count(session, row.code)},
                      row.status, caller, now, lambda: self._count_closure(session, row, now))
        return self.decorated(session, repo.task_details(session, repo.task_row(session,
                                                                                 row.code)),
                              caller)

    def _request_stage(self, session, row, stage, moment, received, caller):
        """record_clock_stage's request: the stage recorded now, or waiting."""
        self._refuse_pending(session, rules.CLOCK_STAGE, row.code, stage,
                             f"任务 {row.code} 的“{STAGE_NAMES.get(stage, stage)}”")
        claim = {"stage": stage, "recorded_at": moment.isoformat(),
                 "received_at": received.isoformat()}
        self._request(session, rules.CLOCK_STAGE, row.code, row.lead_unit, stage, claim, None,
                      caller, received, lambda: self._count_stage(
                          session, row.code, stage, moment, received,
                          (caller or {}).get("user")))

    def _request_commitment(self, session, commitment, caller):
        """fulfil_commitment's request: kept now, or waiting. Answers the
        commitment as it stands."""
        subject = str(commitment.id)
        self._refuse_pending(session, rules.COMMITMENT, commitment.task_code, subject,
                             f"承诺 {commitment.id} ")
        now = utcnow()
        self._request(session, rules.COMMITMENT, commitment.task_code, commitment.unit, subject,
                      {"fulfilled_at": now.isoformat(), "step": commitment.step,
                       "promised_date": commitment.promised_date.isoformat()},
                      commitment.status, caller, now,
                      lambda: self._count_commitment(session, commitment.id, now))
        answer = repo.commitment_dict(repo.commitment_row(session, commitment.id))
        return self._with_commitment_verification(session, [answer], caller)[0]

    # Counting: the fact events, as before 复核 ----------------------------------

    def _count_closure(self, session, row, moment):
        repo.set_status(session, row.code, "closed", None, moment)
        self.db.emit(session, events.TASK_CLOSED, events.TaskStatusChanged().dump(new_event(
            task=row.code, lead_unit=row.lead_unit, status="closed", reason=None,
            effective_on=self.clock.day_of(moment).isoformat())))

    def _count_stage(self, session, code, stage, moment, received, user):
        repo.record_clock_stage(session, code, stage, moment, received, user)
        self.db.emit(session, events.CLOCK_STAGE_RECORDED, events.ClockStageRecorded().dump(
            new_event(task=code, stage=stage, recorded_at=moment.isoformat(),
                      received_at=received.isoformat())))

    def _count_commitment(self, session, commitment_id, moment):
        repo.fulfil_commitment(session, commitment_id, moment)
        return self._commitment_event(session, commitment_id, events.COMMITMENT_FULFILLED)

    # What callers read -------------------------------------------------------------

    def decorated(self, session, task, caller):
        """A task (task_details) with its requests: `verification` the state of
        its closing when waiting or sent back (else None), `verifications` every
        request as the caller may read it, and each commitment's."""
        office = (caller or {}).get("role") == "admin"
        found = vrepo.of_tasks(session, [task["code"]]).get(task["code"], [])
        task["verification"] = _closure_state(found, office)
        names = self._subject_names(session, found)
        task["verifications"] = [{**rules.verification_view(item, office),
                                  "subject_name": names.get(item["id"])} for item in found]
        if "commitments" in task:
            task["commitments"] = self._with_commitment_verification(
                session, task["commitments"], caller)
        return task

    def with_closure_states(self, session, answer, caller):
        """list_tasks' page with each task's `verification` (as decorated)."""
        office = (caller or {}).get("role") == "admin"
        found = vrepo.of_tasks(session, [task["code"] for task in answer["items"]])
        for task in answer["items"]:
            task["verification"] = _closure_state(found.get(task["code"], []), office)
        return answer

    def _with_commitment_verification(self, session, commitments, caller):
        office = (caller or {}).get("role") == "admin"
        latest = vrepo.of_commitments(session, [item["id"] for item in commitments])
        for item in commitments:
            request = latest.get(item["id"])
            item["verification"] = (_state(request, office) if request and request["status"]
                                    in (rules.PENDING, rules.RETURNED) else None)
        return commitments

    def verification_timeline(self, session, code):
        """A task's requests as timeline entries (get_task_history)."""
        found = vrepo.of_tasks(session, [code]).get(code, [])
        names = self._subject_names(session, found)
        return rules.timeline_entries([{**item, "subject_name": names.get(item["id"])}
                                       for item in found])

    def _pending(self, session, verification_id):
        found = vrepo.row(session, verification_id)
        if found is None:
            raise NotFound({"code": "verification_not_found",
                            "message": f"复核事项 {verification_id} 不存在。"})
        rules.check_decision(found.id, found.status)
        return vrepo.verification_dict(found)

    def _office_view(self, session, verification_id):
        item = vrepo.verification_dict(vrepo.row(session, verification_id))
        names = self._subject_names(session, [item])
        return {**rules.verification_view(item, True), "subject_name": names.get(item["id"])}

    def _payload(self, session, item):
        row = repo.task_row(session, item["task"])
        return {**{key: item[key] for key in ("id", "kind", "task", "unit", "subject", "claim",
                                              "requested_at", "requested_by")},
                "title": row.title}

    def _subject_names(self, session, items):
        """{verification id: what it is about, in words}: the stage's name, the
        commitment's step."""
        names = {}
        for item in items:
            if item["kind"] == rules.CLOCK_STAGE:
                names[item["id"]] = STAGE_NAMES.get(item["subject"], item["subject"])
            elif item["kind"] == rules.COMMITMENT:
                names[item["id"]] = item["claim"].get("step")
        return names


def _state(item, office):
    view = rules.verification_view(item, office)
    return {key: view[key] for key in ("id", "status", "status_name", "reason",
                                       "requested_at", "decided_at")}


def _closure_state(found, office):
    """The state of the task's latest closing request when it waits or was sent
    back (the unit reads 待复核 / 被退回 and why), else None."""
    closures = [item for item in found if item["kind"] == rules.CLOSURE]
    if not closures or closures[-1]["status"] not in (rules.PENDING, rules.RETURNED):
        return None
    return _state(closures[-1], office)
