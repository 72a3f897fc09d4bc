"""The tasks service's entrypoints: load, check, save, emit. The rules are in
logic.py, the queries in repository.py."""
import base64
import binascii
import uuid

from marshmallow import ValidationError

from services.common.clock import utcnow
from services.common.consuming import rpc
from services.common.events import new_event
from services.common.operations import Operations
from services.common.paging import MAX_LIMIT, page
from services.common.scope import allowed, require_role, require_writer, unit_scope
from services.common.sessions import Database
from services.common.settings import Settings
from services.common.text import refuse_unstorable

from . import events, logic
from . import repository as repo
from .dependencies import Evidence
from .exceptions import EXPECTED, Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from .schemas import (
    ClockStageIn,
    CommitmentIn,
    ExtensionIn,
    TaskIn,
    UnitIn,
)
from .settings import TasksSettings

MAX_BATCH = 1000


def load(schema, data):
    try:
        return schema.load(data if isinstance(data, dict) else {})
    except ValidationError as err:
        raise InvalidInput(err.messages) from None


class Service(Operations):
    """Units, tasks, targets, progress, evidence, 13710 clocks and commitments.

    Emits the events of tasks/events.py through its outbox.
    """

    name = "tasks"

    db = Database()
    # Validated when the container is made (see services/common/settings.py).
    settings = Settings(TasksSettings)
    evidence_files = Evidence()

    # Units ---------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_unit(self, data, caller):
        """Create a unit. Emits unit_created."""
        require_role(caller, "admin")
        unit = load(UnitIn(), data)
        with self.db.session() as session:
            existing = repo.unit_parents(session)
            if unit["code"] in existing:
                raise Conflict(f"unit {unit['code']} exists")
            if unit.get("parent") and unit["parent"] not in existing:
                raise InvalidInput({"parent": f"unknown unit {unit['parent']}"})
            repo.insert_unit(session, unit, utcnow())
            (created,) = repo.get_units(session, codes=[unit["code"]])
            self.db.emit(session, events.UNIT_CREATED, events.UnitCreated().dump(
                new_event(unit=created)))
        return created

    @rpc(expected_exceptions=EXPECTED)
    def list_units(self, caller, kind=None, parent=None, limit=MAX_LIMIT, offset=0):
        """Units, by code (units are public within the platform):
        {"items": [unit], "total"}."""
        refuse_unstorable(kind=kind, parent=parent)
        unit_scope(caller)
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            found = repo.get_units(session, kind=kind, parent=parent)
        return {"items": found[offset:offset + limit], "total": len(found)}

    @rpc(expected_exceptions=EXPECTED)
    def get_unit(self, code, caller):
        refuse_unstorable(code=code)
        unit_scope(caller)
        with self.db.session(readonly=True) as session:
            found = repo.get_units(session, codes=[code])
        if not found:
            raise NotFound(f"no unit {code}")
        return found[0]

    # Tasks ---------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_task(self, data, caller):
        """Create a task with its targets. Emits task_created."""
        require_role(caller, "admin")
        task = load(TaskIn(), data)
        with self.db.session() as session:
            problems = self._task_problems(session, task)
            if problems.pop("code", None):
                raise Conflict(f"task {task['code']} exists")
            if problems:
                raise InvalidInput(problems)
            return self._insert_task(session, task)

    @rpc(expected_exceptions=EXPECTED)
    def import_tasks(self, rows, caller, dry_run=False):
        """Create many tasks, all or none: every row is checked first and nothing
        is saved when any row fails. Emits task_created per task."""
        require_role(caller, "admin")
        if not isinstance(rows, list):
            raise InvalidInput({"rows": "a list of tasks"})
        if len(rows) > 50_000:
            raise TooLarge("at most 50,000 tasks per import")
        errors, loaded, seen = [], [], set()
        with self.db.session() as session:
            for index, raw in enumerate(rows):
                try:
                    task = TaskIn().load(raw if isinstance(raw, dict) else {})
                except ValidationError as err:
                    errors.extend(logic.row_errors(index, err.messages))
                    continue
                problems = self._task_problems(session, task)
                if task["code"] in seen:
                    problems["code"] = f"task {task['code']} appears twice in the file"
                seen.add(task["code"])
                errors.extend(logic.row_errors(index, problems))
                loaded.append(task)
            if errors or dry_run:
                return {"created": 0, "errors": errors, "checked": len(rows)}
            for task in loaded:
                self._insert_task(session, task)
        return {"created": len(loaded), "errors": [], "checked": len(rows)}

    @rpc(expected_exceptions=EXPECTED)
    def list_tasks(self, caller, unit=None, status=None, category=None, source=None,
                   codes=None, limit=100, offset=0):
        refuse_unstorable(unit=unit, status=status, category=category, source=source, codes=codes)
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            scope = self._scope(session, caller)
            return repo.list_tasks(session, limit, offset, scope=scope, unit=unit,
                                   status=status, category=category, source=source,
                                   codes=codes)

    @rpc(expected_exceptions=EXPECTED)
    def get_task(self, code, caller):
        """The task with its targets, progress history, evidence, clocks and
        commitments."""
        refuse_unstorable(code=code)
        with self.db.session(readonly=True) as session:
            row = self._visible_task(session, code, caller)
            return repo.task_details(session, row)

    # Progress --------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def report_progress(self, items, caller, source="portal", idempotency_key=None):
        """Store a batch of progress reports in one transaction. Good items are
        kept even when others are rejected. Emits one progress_reported for the
        accepted items.

        With an `idempotency_key` (per caller) the batch is stored at most once:
        the same key and items answer the first answer again, other items are a
        Conflict.
        """
        require_writer(caller)
        if not isinstance(items, list) or not items:
            raise InvalidInput({"items": "a non-empty list of progress reports"})
        if len(items) > MAX_BATCH:
            raise TooLarge(f"at most {MAX_BATCH} reports per batch")
        now = utcnow()
        batch_id = uuid.uuid4().hex
        digest = logic.batch_digest(items)
        with self.db.session() as session:
            if idempotency_key is not None:
                stored = repo.stored_batch(session, caller, idempotency_key)
                if stored is not None:
                    if stored.digest != digest:
                        raise Conflict("this Idempotency-Key was used for other items")
                    return stored.answer
            scope = self._scope(session, caller)
            codes = {item.get("task") for item in items if isinstance(item, dict)}
            states = repo.task_states(session, codes - {None})
            known_units = repo.known_unit_codes(session, {
                item.get("unit") for item in items if isinstance(item, dict)} - {None})
            accepted, results = logic.check_progress_batch(
                items, states, known_units, scope, now,
                leads=self._leads(caller, scope, "task.report_progress"))
            if accepted:
                ids = repo.insert_reports(session, accepted, batch_id, source,
                                          (caller or {}).get("user"), now)
                for item, report_id in zip(accepted, ids, strict=True):
                    item["id"] = report_id
                    results[item["index"]]["id"] = report_id
                # The check left each task where its last accepted report puts it.
                repo.set_standings(session, {item["task"]: states[item["task"]]
                                             for item in accepted})
                self.db.emit(session, events.PROGRESS_REPORTED, events.ProgressReported().dump(
                    new_event(batch_id=batch_id, source=source, reports=[{
                        "id": item["id"], "task": item["task"], "unit": item["unit"],
                        "percent": item["percent"], "correction": item["correction"],
                        "reported_at": item["reported_at"].isoformat(),
                    } for item in accepted])))
            answer = {
                "batch_id": batch_id if accepted else None,
                "accepted": len(accepted), "rejected": len(results) - len(accepted),
                "results": results,
            }
            if idempotency_key is not None:
                repo.store_batch(session, caller, idempotency_key, digest, answer, now)
        return answer

    # Evidence, closing and explaining ---------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def add_evidence(self, task, filename, content_type, content_b64, caller):
        """Keep an evidence file (佐证资料) of a task. Emits evidence_added."""
        refuse_unstorable(task=task, filename=filename, content_type=content_type)
        require_writer(caller)
        try:
            content = base64.b64decode(content_b64 or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise InvalidInput({"file": "content is not valid base64"}) from None
        if not content:
            raise InvalidInput({"file": "the file is empty"})
        if len(content) > self.evidence_files.max_bytes:
            raise TooLarge(f"evidence files are at most {self.evidence_files.max_bytes} bytes")
        kind = logic.sniff_evidence(content)
        name = logic.clean_evidence_name(filename)
        with self.db.session() as session:
            row = self._visible_task(session, task, caller, writing=True)
            digest = self.evidence_files.save(content)
            evidence_id = repo.add_evidence(session, row.code, digest, name, kind,
                                            len(content), (caller or {}).get("user"),
                                            utcnow())
            self.db.emit(session, events.EVIDENCE_ADDED, events.EvidenceAdded().dump(
                new_event(task=row.code, evidence_id=evidence_id, sha256=digest)))
            stored = repo.evidence_row(session, row.code, evidence_id)
        return repo.evidence_dict(stored)

    @rpc(expected_exceptions=EXPECTED)
    def get_evidence(self, task, evidence_id, caller):
        refuse_unstorable(task=task)
        with self.db.session(readonly=True) as session:
            row = self._visible_task(session, task, caller)
            stored = repo.evidence_row(session, row.code, evidence_id)
        if stored is None:
            raise NotFound(f"no evidence {evidence_id} on task {task}")
        answer = repo.evidence_dict(stored)
        answer["content_b64"] = base64.b64encode(
            self.evidence_files.read(stored.sha256)).decode()
        return answer

    @rpc(expected_exceptions=EXPECTED)
    def close_task(self, code, caller):
        """Close (销号) a task at 100% with evidence. Emits task_closed."""
        refuse_unstorable(code=code)
        require_writer(caller)
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True, action="task.close")
            count = repo.evidence_count(session, code)
            problem = logic.closing_problem(row.status, row.percent, count)
            if problem:
                raise Conflict(problem)
            return self._change_status(session, row, "closed", None, events.TASK_CLOSED)

    @rpc(expected_exceptions=EXPECTED)
    def explain_task(self, code, reason, caller):
        """End a task with a stated reason (给个说法). Emits task_explained."""
        refuse_unstorable(code=code, reason=reason)
        require_writer(caller)
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput({"reason": "a reason is required"})
        if len(reason) > 2000:
            raise InvalidInput({"reason": "at most 2,000 characters"})
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True, action="task.explain")
            problem = logic.explaining_problem(row.status, reason)
            if problem:
                raise Conflict(problem)
            return self._change_status(session, row, "explained", reason.strip(),
                                       events.TASK_EXPLAINED)

    # 13710 clocks and commitments -------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def record_clock_stage(self, code, stage, caller, recorded_at=None):
        """Record a 13710 stage (deployed, first_feedback, closed) of an assigned
        matter. Emits clock_stage_recorded."""
        refuse_unstorable(code=code, stage=stage)
        require_writer(caller)
        loaded = load(ClockStageIn(), {"stage": stage, "recorded_at": recorded_at})
        moment = logic.naive_utc(loaded.get("recorded_at")) or utcnow()
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True,
                                     action="task.record_clock_stage")
            if not row.clock_class:
                raise Conflict(f"task {code} is not on the 13710 clock")
            if repo.clock_stage_recorded(session, code, stage):
                raise Conflict(f"stage {stage} of task {code} is recorded already")
            repo.record_clock_stage(session, code, stage, moment, (caller or {}).get("user"))
            self.db.emit(session, events.CLOCK_STAGE_RECORDED, events.ClockStageRecorded().dump(
                new_event(task=code, stage=stage, recorded_at=moment.isoformat())))
            return repo.task_details(session, row)["clocks"]

    @rpc(expected_exceptions=EXPECTED)
    def create_commitment(self, data, caller):
        """A unit's written promise (书面承诺). Emits commitment_made."""
        require_writer(caller)
        item = load(CommitmentIn(), data)
        with self.db.session() as session:
            row = self._visible_task(session, item["task"], caller, writing=True)
            if item["unit"] not in repo.task_unit_codes(session, row.code):
                raise InvalidInput({"unit": f"unit {item['unit']} is not assigned to the task"})
            self._check_unit_scope(session, caller, item["unit"])
            commitment_id = repo.insert_commitment(session, row.code, item, utcnow())
            return self._commitment_event(session, commitment_id, events.COMMITMENT_MADE)

    @rpc(expected_exceptions=EXPECTED)
    def fulfil_commitment(self, commitment_id, caller):
        """Mark a commitment kept. Emits commitment_fulfilled."""
        require_writer(caller)
        with self.db.session() as session:
            row = repo.commitment_row(session, commitment_id)
            if row is None:
                raise NotFound(f"no commitment {commitment_id}")
            self._check_unit_scope(session, caller, row.unit)
            if row.status != "open":
                raise Conflict(f"commitment {commitment_id} is {row.status}")
            repo.fulfil_commitment(session, commitment_id, utcnow())
            return self._commitment_event(session, commitment_id, events.COMMITMENT_FULFILLED)

    @rpc(expected_exceptions=EXPECTED)
    def list_commitments(self, caller, unit=None, task=None, status=None, limit=100,
                         offset=0):
        """Commitments within the caller's units, soonest promised first:
        {"items": [commitment], "total"}; `status` is "open" or "fulfilled"."""
        refuse_unstorable(unit=unit, task=task, status=status)
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            scope = self._scope(session, caller)
            return repo.list_commitments(session, limit, offset, scope=scope, unit=unit,
                                         task=task, status=status)

    # Extensions ------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def extend_task(self, code, new_due_date, caller, seq=None, reason=None):
        """Move a due date, as the office approved (admin only): the task's own when
        `seq` is None (its targets due on the old date move with it), else that
        target's, which stays within the task's due date. The new date
        (YYYY-MM-DD) must be later than the current one; `reason` is required.
        Answers the task with its `extensions`. Emits task_extended."""
        refuse_unstorable(code=code, reason=reason)
        require_role(caller, "admin")
        loaded = load(ExtensionIn(), {"new_due_date": new_due_date, "seq": seq,
                                      "reason": reason})
        new_date, reason = loaded["new_due_date"], loaded["reason"].strip()
        if not reason:
            raise InvalidInput({"reason": "a reason is required"})
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True)
            if row.status != "active":
                raise Conflict(f"task {code} is {row.status}")
            if seq is None:
                previous = row.due_date
            else:
                previous = repo.target_due_date(session, code, seq)
                if previous is None:
                    raise NotFound(f"no target {seq} of task {code}")
            problem = logic.extension_problem(new_date, previous, row.due_date, seq)
            if problem:
                raise InvalidInput(problem)
            repo.move_due_date(session, code, seq, previous, new_date)
            count = repo.record_extension(session, code, seq, previous, new_date, reason,
                                          (caller or {}).get("user"), utcnow())
            self.db.emit(session, events.TASK_EXTENDED, events.TaskExtended().dump(new_event(
                task=code, seq=seq, previous_due_date=previous.isoformat(),
                new_due_date=new_date.isoformat(), reason=reason, count=count)))
            return repo.task_details(session, repo.task_row(session, code))

    # Helpers -----------------------------------------------------------------

    def _scope(self, session, caller):
        roots = unit_scope(caller)
        return logic.expand_scope(repo.unit_parents(session), roots)

    def _check_unit_scope(self, session, caller, unit):
        scope = self._scope(session, caller)
        if scope is not None and unit not in scope:
            raise Forbidden("outside the caller's units")

    @staticmethod
    def _leads(caller, scope, action):
        """Whether the caller may do `action` on the whole of a task led by a
        unit, by the authorisation table (`scope`: the caller's units and those
        below them, None for every unit)."""
        def leads(lead_unit):
            return allowed(caller, action, lead_unit,
                           covers_below=lambda unit: scope is None or unit in scope)
        return leads

    def _visible_task(self, session, code, caller, writing=False, action=None):
        """The task row, if the caller may see it (with `action`, do that action
        on its whole: logic.lead_unit_problem). A scoped caller gets Forbidden
        for tasks that do not exist as for tasks of other units: no hint."""
        if writing:
            require_writer(caller)
        scope = self._scope(session, caller)
        row = repo.task_row(session, code) if isinstance(code, str) else None
        if scope is not None and (row is None or not scope & repo.task_unit_codes(session, code)):
            raise Forbidden("outside the caller's units")
        if row is None:
            raise NotFound(f"no task {code}")
        if action and (problem := logic.lead_unit_problem(
                self._leads(caller, scope, action), code, row.lead_unit)):
            raise Forbidden(problem)
        return row

    def _task_problems(self, session, task):
        exists = repo.task_row(session, task["code"]) is not None
        known = repo.known_unit_codes(session, logic.named_units(task))
        return logic.task_problems(task, exists, known)

    def _insert_task(self, session, task):
        repo.insert_task(session, task, logic.task_links(task), utcnow())
        (created,) = repo.tasks_with_parts(session, [repo.task_row(session, task["code"])])
        self.db.emit(session, events.TASK_CREATED, events.TaskCreated().dump(
            new_event(task=created)))
        return created

    def _change_status(self, session, row, status, reason, event_type):
        repo.set_status(session, row.code, status, reason, utcnow())
        self.db.emit(session, event_type, events.TaskStatusChanged().dump(new_event(
            task=row.code, lead_unit=row.lead_unit, status=status, reason=reason)))
        return repo.task_details(session, repo.task_row(session, row.code))

    def _commitment_event(self, session, commitment_id, event_type):
        commitment = repo.commitment_dict(repo.commitment_row(session, commitment_id))
        self.db.emit(session, event_type, events.CommitmentChanged().dump(new_event(
            commitment={key: commitment[key] for key in (
                "id", "task", "unit", "step", "promised_date", "result", "status")})))
        return commitment

