"""The tasks service's entrypoints: load, check, save, emit. The rules are in
logic.py, the queries in repository.py."""
import base64
import binascii
import datetime as dt
import uuid

from marshmallow import ValidationError

from services.common.calendar_copy import CalendarCopyEntrypoints
from services.common.clock import Clock, utcnow
from services.common.consuming import rpc
from services.common.dumping import dumper
from services.common.events import new_event
from services.common.loading import loader
from services.common.operations import Operations
from services.common.paging import MAX_LIMIT, page
from services.common.scope import allowed, require_role, require_writer, unit_scope
from services.common.sessions import Database
from services.common.settings import Settings
from services.common.text import refuse_unstorable

from . import events, ledger, logic, messages, models
from . import repository as repo
from .dependencies import Evidence
from .exceptions import EXPECTED, Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from .extension_requests import ExtensionRequestsEntrypoints
from .leaders import LeadersEntrypoints
from .schemas import (
    ClockStageIn,
    CommitmentIn,
    ExtensionIn,
    MergeIn,
    ReasonIn,
    ReceiptCorrectionIn,
    ReplanIn,
    TaskChangesIn,
    TaskIn,
    UnitChangesIn,
    UnitIn,
)
from .settings import TasksSettings
from .signals_entrypoints import SignalsEntrypoints
from .texts import COMMITMENT_STATUS_NAMES, STAGE_NAMES, say
from .verification_entrypoints import VerificationEntrypoints

MAX_BATCH = 1000
# Tasks per tasks_imported event: big enough that the consumers colour and count an
# import set-based, small enough that one message stays well under a megabyte.
IMPORT_EVENT_TASKS = 500
# A ledger's preview lists this many of its new, changed and left-out tasks each,
# and counts them all: a city's first ledger is twenty thousand new tasks, which
# nobody reads in a browser, and whose summaries took the service and the gateway
# some 100 MB each to send and receive.
LISTED = 1000


def load(schema, data):
    try:
        return schema.load(data if isinstance(data, dict) else {})
    except ValidationError as err:
        raise InvalidInput(err.messages) from None


class Service(LeadersEntrypoints, ExtensionRequestsEntrypoints, VerificationEntrypoints,
              SignalsEntrypoints, CalendarCopyEntrypoints, Operations):
    """Units, tasks, targets, progress, evidence, 13710 clocks and commitments;
    leaders' instructions, stage feedback and task threads (leaders.py).

    Emits the events of tasks/events.py through its outbox; keeps a copy of the
    office's working-day calendar from the warnings service's calendar_changed,
    asking it for the years the events did not bring.
    """

    name = "tasks"

    # Each batch's answer under its Idempotency-Key is forgotten after a while.
    db = Database(kept=[models.BATCH_ANSWERS])
    # Validated when the container is made (see services/common/settings.py).
    settings = Settings(TasksSettings)
    evidence_files = Evidence()
    # The signals and a new matter's default due date count working days by it.
    calendar_copy = repo.CALENDAR
    # The city's day: a change takes effect from the local day it was made.
    clock = Clock()

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

    @rpc(expected_exceptions=EXPECTED)
    def update_unit(self, code, changes, caller):
        """Rename a unit or give it a new head or operator (office only);
        `changes` may carry a `reason`. Answers the unit; emits unit_updated
        (nothing when nothing changed)."""
        refuse_unstorable(code=code)
        require_role(caller, "admin")
        loaded = load(UnitChangesIn(), changes)
        with self.db.session() as session:
            unit = self._active_unit(session, code)
            return self._update_unit(session, unit, loaded, caller)

    @rpc(expected_exceptions=EXPECTED)
    def retire_unit(self, code, reason, caller):
        """Retire a unit (office only), refused while it leads open tasks or has
        active units below it (merge it into another instead). Answers the unit;
        emits unit_retired."""
        refuse_unstorable(code=code)
        require_role(caller, "admin")
        reason = load(ReasonIn(), {"reason": reason})["reason"].strip()
        if not reason:
            raise InvalidInput({"reason": say("reason_required")})
        with self.db.session() as session:
            self._active_unit(session, code)
            led = [task["code"] for task in repo.open_tasks_of(session, code)
                   if task["lead_unit"] == code]
            if led:
                raise Conflict(say("unit_leads_open_tasks", unit=code, count=len(led),
                                   tasks="、".join(led[:10]) + ("等" if len(led) > 10 else "")))
            children = repo.child_units(session, code)
            if children:
                raise Conflict(say("has_children", unit=code, children="、".join(children)))
            return self._retire(session, code, None, reason, caller)

    @rpc(expected_exceptions=EXPECTED)
    def merge_units(self, code, into, reason, caller):
        """Merge unit `code` into `into` (office only): its open tasks' lead,
        cooperation and targets not yet due move to `into`, each move kept as a
        version of the task; the units below it move under `into`; then it is
        retired. Answers {"unit", "into", "tasks": [codes moved]}; emits
        units_merged and unit_retired."""
        refuse_unstorable(code=code)
        require_role(caller, "admin")
        loaded = load(MergeIn(), {"into": into, "reason": reason})
        reason = loaded["reason"].strip()
        if not reason:
            raise InvalidInput({"reason": say("reason_required")})
        if loaded["into"] == code:
            raise InvalidInput({"into": say("merge_into_itself")})
        today, now = self.clock.today(), utcnow()
        user = (caller or {}).get("user")
        with self.db.session() as session:
            self._active_unit(session, code)
            self._active_unit(session, loaded["into"], field="into")
            moves = logic.merge_moves(code, loaded["into"], repo.open_tasks_of(session, code),
                                      today)
            for move in moves:
                changes = {}
                if move["lead_unit"] != move["previous_lead_unit"]:
                    changes["lead_unit"] = [move["previous_lead_unit"], move["lead_unit"]]
                    repo.update_task(session, move["code"], {"lead_unit": move["lead_unit"]})
                repo.move_targets(session, move["code"], move["targets"], loaded["into"])
                if move["targets"]:
                    changes["targets_moved"] = [move["targets"], loaded["into"]]
                changes["merged"] = [code, loaded["into"]]
                self._relink(session, move["code"], move["cooperating_units"])
                repo.add_task_version(session, move["code"], "merge", changes, reason, user,
                                      now)
            for child in repo.child_units(session, code):
                repo.update_unit(session, child, {"parent": loaded["into"]})
                repo.add_unit_version(session, child, "update",
                                      {"parent": [code, loaded["into"]]}, reason, user, now)
            repo.add_unit_version(session, loaded["into"], "merge",
                                  {"merged": [code, loaded["into"]],
                                   "tasks": [move["code"] for move in moves]},
                                  reason, user, now)
            self.db.emit(session, events.UNITS_MERGED, events.UnitsMerged().dump(new_event(
                unit=code, into=loaded["into"], effective_on=today.isoformat(),
                reason=reason, tasks=moves, changed_by=user)))
            self._retire(session, code, loaded["into"], reason, caller)
        return {"unit": code, "into": loaded["into"], "tasks": [m["code"] for m in moves]}

    @rpc(expected_exceptions=EXPECTED)
    def get_unit_history(self, code, caller):
        """{"unit", "items": [{kind, changes, reason, changed_by, changed_at}]}:
        every change of the unit after its creation, oldest first."""
        refuse_unstorable(code=code)
        unit_scope(caller)
        with self.db.session(readonly=True) as session:
            if not repo.get_units(session, codes=[code]):
                raise NotFound(f"no unit {code}")
            return {"unit": code, "items": repo.unit_history(session, code)}

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
        is saved when any row fails. Emits tasks_imported, one per
        IMPORT_EVENT_TASKS tasks."""
        require_role(caller, "admin")
        if not isinstance(rows, list):
            raise InvalidInput({"rows": "a list of tasks"})
        if len(rows) > 50_000:
            raise TooLarge("at most 50,000 tasks per import")
        errors, loaded, load = [], [], loader(TaskIn)
        for index, raw in enumerate(rows):
            try:
                loaded.append((index, load(raw if isinstance(raw, dict) else {})))
            except ValidationError as err:
                errors.extend(logic.row_errors(index, err.messages))
        with self.db.session() as session:
            tasks = [task for _, task in loaded]
            existing = repo.existing_task_codes(session, {task["code"] for task in tasks})
            known = repo.known_unit_codes(session, set().union(*map(logic.named_units, tasks)))
            seen = set()
            for index, task in loaded:
                problems = logic.task_problems(task, task["code"] in existing, known)
                if task["code"] in seen:
                    problems["code"] = f"task {task['code']} appears twice in the file"
                seen.add(task["code"])
                errors.extend(logic.row_errors(index, problems))
            if errors or dry_run:
                return {"created": 0, "errors": sorted(errors, key=lambda error: error["row"]),
                        "checked": len(rows)}
            self._import_new_tasks(session, tasks)
        return {"created": len(tasks), "errors": [], "checked": len(rows)}

    @rpc(expected_exceptions=EXPECTED)
    def import_ledger(self, sheet, caller, dry_run=False, reason=None, token=None):
        """Compare an office's ledger (重点任务清单, one row per task, as the
        gateway read its cells: {"rows": [{"row", "cells"}], "year"}) with the
        library, and with `dry_run` answer only the preview: new tasks, changed
        fields and plans, tasks the ledger leaves out (never deleted) and a
        `token`. Otherwise apply it, all or nothing: new tasks are created,
        changes need a `reason`; given the preview's `token`, a sheet or library
        that changed since is a Conflict. Rows with errors answer
        {"errors": [{row, column, header, field, code, reason}]} and save nothing.
        Emits tasks_imported for the new tasks, and the changes' events."""
        require_role(caller, "admin")
        refuse_unstorable(reason=reason, token=token)
        rows, year = self._sheet_rows(sheet)
        with self.db.session() as session:
            units = repo.get_units(session)
            read = ledger.read_ledger(rows, units, year)
            preview, new, changed = self._ledger_preview(session, read, units)
            if preview["errors"] or dry_run:
                return preview
            if token is not None and token != preview["token"]:
                raise Conflict(say("preview_stale"))
            reason = (reason or "").strip() if isinstance(reason, str) else ""
            if changed and not reason:
                raise InvalidInput({"reason": say("ledger_reason_required")})
            self._import_new_tasks(session, [task.body for task in new])
            self._apply_ledger_changes(session, changed, reason, caller)
        return {**preview, "created": len(new), "updated": len(changed)}

    @rpc(expected_exceptions=EXPECTED)
    def import_units(self, sheet, caller, dry_run=False, token=None):
        """Units and their heads from an office's sheet (单位名称, 单位编码, 类型,
        上级单位, 负责人, 电话, 邮箱), as import_ledger takes a sheet: with
        `dry_run` the preview of new units and changed names and heads, else
        all or nothing. Emits unit_created per new unit."""
        require_role(caller, "admin")
        refuse_unstorable(token=token)
        rows, _year = self._sheet_rows(sheet)
        with self.db.session() as session:
            existing = repo.get_units(session)
            read = ledger.read_units(rows, existing)
            by_code = {unit["code"]: unit for unit in existing}
            errors, new, changed = list(read.errors), [], []
            for unit in read.units:
                old = by_code.get(unit.body["code"])
                if old is None or old["name"] != unit.body["name"]:
                    if problem := ledger.name_taken(unit, existing):
                        errors.append(problem)
                        continue
                if old is None:
                    try:
                        unit.body = UnitIn().load(unit.body)
                    except ValidationError as err:
                        errors.extend(logic.row_errors(unit.row - 1, err.messages))
                        continue
                    new.append(unit)
                    continue
                change, problems = ledger.unit_changes(unit, old, read.fields)
                if change and old.get("status", "active") != "active":
                    column = unit.columns["code"]
                    refusal = say("unit_not_active", unit=old["code"])
                    problems.append({"row": unit.row, "column": ledger.column_letter(
                        column.index), "header": column.header, "field": "code",
                        "code": refusal["code"], "reason": refusal["message"]})
                errors.extend(problems)
                if change and not problems:
                    changed.append((unit, change))
            new_out = [{"row": unit.row, **unit.body} for unit in new]
            changed_out = [change for _unit, change in changed]
            preview = {"checked": read.checked, "errors": ledger.in_sheet_order(errors),
                       "new": new_out, "changed": changed_out,
                       "unchanged": len(read.units) - len(new) - len(changed),
                       "ignored_columns": read.ignored_columns,
                       "token": ledger.preview_token(new_out, changed_out)}
            if preview["errors"] or dry_run:
                return preview
            if token is not None and token != preview["token"]:
                raise Conflict(say("preview_stale"))
            for unit in new:
                repo.insert_unit(session, unit.body, utcnow())
                (created,) = repo.get_units(session, codes=[unit.body["code"]])
                self.db.emit(session, events.UNIT_CREATED, events.UnitCreated().dump(
                    new_event(unit=created)))
            self._apply_unit_changes(session, changed, caller)
        return {**preview, "created": len(new), "updated": len(changed)}

    @rpc(expected_exceptions=EXPECTED)
    def list_tasks(self, caller, unit=None, status=None, category=None, source=None,
                   codes=None, limit=100, offset=0, batch=None, q=None, lead_unit=None,
                   year=None, due_month=None):
        """A page of tasks within the caller's units, by code; `unit` keeps the
        tasks it takes any part in, `lead_unit` those it leads (the tasks the one
        screen counts for a unit); `q` keeps those whose title holds every one of
        its words; `year` (2026) the tasks of that year (logic.YearScope: begun by
        its end and not finished before it began); `due_month` (2026-12) those
        due, or with a target of their plan due, in that month."""
        filters = self._list_filters(unit=unit, status=status, category=category,
                                     source=source, codes=codes, batch=batch, q=q,
                                     lead_unit=lead_unit, year=year, due_month=due_month)
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            scope = self._scope(session, caller)
            return self.with_closure_states(session, repo.list_tasks(
                session, limit, offset, scope=scope, **filters), caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_task_codes(self, caller, unit=None, status=None, category=None, source=None,
                        codes=None, limit=100, offset=0, batch=None, q=None,
                        lead_unit=None, year=None, due_month=None):
        """As list_tasks, only the codes: {"items": [code], "total"}; what the
        gateway asks the warnings service the colours of, for a year's list of
        one colour."""
        filters = self._list_filters(unit=unit, status=status, category=category,
                                     source=source, codes=codes, batch=batch, q=q,
                                     lead_unit=lead_unit, year=year, due_month=due_month)
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.list_task_codes(session, limit, offset,
                                        scope=self._scope(session, caller), **filters)

    def _list_filters(self, q=None, year=None, due_month=None, **filters):
        """The filters of a task list checked, `year` and `due_month` as the
        repository takes them; InvalidInput for one it cannot take."""
        refuse_unstorable(q=q, due_month=due_month, **filters)
        if q is not None and (not isinstance(q, str) or len(q) > 100):
            raise InvalidInput({"q": "at most 100 characters"})
        return {**filters, "q": q,
                "year": None if year is None else logic.year_scope(year, self.clock.zone),
                "due_month": None if due_month is None else logic.month_span(due_month)}

    @rpc(expected_exceptions=EXPECTED)
    def list_batches(self, caller=None):
        """The batches (批次) of the tasks within the caller's units, each with its
        counts: {"items": [{batch, items, active, closed, explained, cancelled}]}
        (tasks of no batch last, as batch null). Without a caller (another
        service, such as notify for the bulletin), the city's."""
        with self.db.session(readonly=True) as session:
            scope = None if caller is None else self._scope(session, caller)
            return {"items": logic.batch_counts(repo.batch_rows(session, scope))}

    # Keeping the records true ------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def update_task(self, code, changes, reason, caller):
        """Edit a task's descriptive fields (`changes`: any of logic.EDITABLE) for a
        reason (office only). A new lead unit answers for the task from today:
        the targets the old one owned that are not yet due move to it. Every
        edit is kept as a version of the task. Answers the task; emits
        task_updated (nothing when nothing changed)."""
        refuse_unstorable(code=code)
        require_role(caller, "admin")
        reason = load(ReasonIn(), {"reason": reason})["reason"].strip()
        if not reason:
            raise InvalidInput({"reason": say("reason_required")})
        loaded = load(TaskChangesIn(), changes)
        today, now = self.clock.today(), utcnow()
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True)
            self._edit_task(session, row, loaded, reason, caller, today, now)
            return repo.task_details(session, repo.task_row(session, code))

    @rpc(expected_exceptions=EXPECTED)
    def replan_task(self, code, targets, reason, caller):
        """Replace the targets not yet due with a new plan approved by the office
        (admin only). The targets already due stay, with their history; those
        replaced are kept as the earlier plan. New targets are numbered on from
        the task's last seq. Answers the task; emits task_replanned."""
        refuse_unstorable(code=code)
        require_role(caller, "admin")
        loaded = load(ReplanIn(), {"targets": targets, "reason": reason})
        reason = loaded["reason"].strip()
        if not reason:
            raise InvalidInput({"reason": say("reason_required")})
        today, now = self.clock.today(), utcnow()
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True)
            self._replan_task(session, row, loaded["targets"], reason, caller, today, now)
            return repo.task_details(session, row)

    @rpc(expected_exceptions=EXPECTED)
    def cancel_task(self, code, reason, caller):
        """Cancel (撤销) an active task for a reason (office only): it leaves the
        colours, the counts and the ranking's future from today. Answers the
        task; emits task_cancelled."""
        refuse_unstorable(code=code)
        require_role(caller, "admin")
        reason = load(ReasonIn(), {"reason": reason})["reason"].strip()
        if not reason:
            raise InvalidInput({"reason": say("reason_required")})
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True)
            problem = logic.cancel_problem(code, row.status)
            if problem:
                raise Conflict(problem)
            repo.add_task_version(session, code, "cancel", {"status": [row.status, "cancelled"]},
                                  reason, (caller or {}).get("user"), utcnow())
            return self._change_status(session, row, "cancelled", reason,
                                       events.TASK_CANCELLED)

    @rpc(expected_exceptions=EXPECTED)
    def get_task_history(self, code, caller):
        """The task's versions (who, when, what changed and why; version 1 its
        creation) and its plans (each with its targets, those replaced marked
        `replaced_in`): {"task", "versions", "plans"}, oldest first."""
        refuse_unstorable(code=code)
        with self.db.session(readonly=True) as session:
            row = self._visible_task(session, code, caller)
            return {**repo.task_history(session, row),
                    "verifications": self.verification_timeline(session, row.code)}

    @rpc(expected_exceptions=EXPECTED)
    def get_task(self, code, caller):
        """The task with its targets, progress history, evidence, clocks and
        commitments, and its requests to the office (复核: `verification`,
        `verifications`)."""
        refuse_unstorable(code=code)
        with self.db.session(readonly=True) as session:
            row = self._visible_task(session, code, caller)
            return self.decorated(session, repo.task_details(session, row), caller)

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
                items, states, known_units, scope, now, self._backdate(),
                office=(caller or {}).get("role") == "admin",
                leads=self._leads(caller, scope, "task.report_progress"),
                evidence=self._evidence_check(session, items, states))
            if accepted:
                ids = repo.insert_reports(session, accepted, batch_id, source,
                                          (caller or {}).get("user"))
                for item, report_id in zip(accepted, ids, strict=True):
                    item["id"] = report_id
                    results[item["index"]]["id"] = report_id
                    self._attach_evidence(session, item)
                # The check left each task where its last accepted report puts it.
                repo.set_standings(session, {item["task"]: states[item["task"]]
                                             for item in accepted})
                self.db.emit(session, events.PROGRESS_REPORTED, dumper(events.ProgressReported)(
                    new_event(batch_id=batch_id, source=source, reports=[{
                        "id": item["id"], "task": item["task"], "unit": item["unit"],
                        "percent": item["percent"], "correction": item["correction"],
                        "reported_at": item["reported_at"].isoformat(),
                        "received_at": item["received_at"].isoformat(),
                    } for item in accepted])))
                self._find_signals(session, {item["task"] for item in accepted},
                                   self._units_to_watch(session, accepted), states)
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
            self._find_signals(session, {row.code})
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
        """Ask to close (销号) a task at 100% with evidence. By the office's
        verification policy the task closes now (emits task_closed) or waits
        for the office's check (待复核: `verification`). Emits
        verification_requested."""
        refuse_unstorable(code=code)
        require_writer(caller)
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True, action="task.close")
            count = repo.evidence_count(session, code)
            problem = logic.closing_problem(row.status, row.percent, count, row.code)
            if problem:
                raise Conflict(problem)
            return self._request_closure(session, row, caller)

    @rpc(expected_exceptions=EXPECTED)
    def explain_task(self, code, reason, caller):
        """End a task with a stated reason (给个说法). Emits task_explained."""
        refuse_unstorable(code=code, reason=reason)
        require_writer(caller)
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput({"reason": say("reason_required")})
        if len(reason) > 2000:
            raise InvalidInput({"reason": "at most 2,000 characters"})
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True, action="task.explain")
            problem = logic.explaining_problem(row.status, reason, row.code)
            if problem:
                raise Conflict(problem)
            return self._change_status(session, row, "explained", reason.strip(),
                                       events.TASK_EXPLAINED)

    # 13710 clocks and commitments -------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def correct_report_receipt(self, report_id, received_at, reason, caller):
        """The office moves when a report was received (a report that reached it
        on time by other means), with its reason; the correction is kept beside
        the report. Answers the report with its corrections. Emits
        progress_receipt_corrected with where the task's receipts stand now."""
        require_role(caller, "admin")
        refuse_unstorable(reason=reason)
        loaded = load(ReceiptCorrectionIn(), {"received_at": received_at, "reason": reason})
        moment = logic.naive_utc(loaded["received_at"])
        now = utcnow()
        if moment > now + logic.FUTURE_TOLERANCE:
            raise InvalidInput(messages.RECEIVED_AT_IN_FUTURE)
        if not loaded["reason"].strip():
            raise InvalidInput({"reason": "a reason is required"})
        if not isinstance(report_id, int) or isinstance(report_id, bool):
            raise InvalidInput({"report_id": "a report's id"})
        user = (caller or {}).get("user")
        with self.db.session() as session:
            report = repo.report_row(session, report_id)
            if report is None:
                raise NotFound(f"no progress report {report_id}")
            previous = report.received_at
            report = repo.correct_receipt(session, report, moment, loaded["reason"].strip(),
                                          user, now)
            last, rise = logic.receipt_standing(repo.task_receipts(session, report.task_code))
            self.db.emit(session, events.PROGRESS_RECEIPT_CORRECTED,
                         events.ProgressReceiptCorrected().dump(new_event(
                             report=repo.report_dict(report),
                             previous_received_at=previous.isoformat(),
                             reason=loaded["reason"].strip(), corrected_by=user,
                             last_received_at=last.isoformat(),
                             last_rise_received_at=rise and rise.isoformat())))
            return {**repo.report_dict(report),
                    "corrections": repo.receipt_corrections_of(session, report.id)}

    @rpc(expected_exceptions=EXPECTED)
    def record_clock_stage(self, code, stage, caller, recorded_at=None):
        """Record a 13710 stage (deployed, first_feedback, closed) of an assigned
        matter: received now, done at `recorded_at` (the unit's own time, at most
        LUOSHI_REPORT_BACKDATE_DAYS before now; default now). By the office's
        verification policy it counts now (emits clock_stage_recorded) or waits
        for the office's check, keeping these times. Emits
        verification_requested."""
        refuse_unstorable(code=code, stage=stage)
        require_writer(caller)
        loaded = load(ClockStageIn(), {"stage": stage, "recorded_at": recorded_at})
        received = utcnow()
        moment = logic.naive_utc(loaded.get("recorded_at")) or received
        problem = logic.moment_problem("recorded_at", moment, received, self._backdate())
        if problem:
            raise InvalidInput(problem)
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True,
                                     action="task.record_clock_stage")
            if not row.clock_class:
                raise Conflict(say("task_not_on_clock", task=code))
            if repo.clock_stage_recorded(session, code, stage):
                raise Conflict(say("stage_recorded", task=code,
                                   stage=STAGE_NAMES.get(stage, stage)))
            self._request_stage(session, row, stage, moment, received, caller)
            self._find_signals(session, {code})
            return repo.task_details(session, row)["clocks"]

    @rpc(expected_exceptions=EXPECTED)
    def create_commitment(self, data, caller):
        """A unit's written promise (书面承诺). Emits commitment_made."""
        require_writer(caller)
        item = load(CommitmentIn(), data)
        with self.db.session() as session:
            row = self._visible_task(session, item["task"], caller, writing=True)
            if item["unit"] not in repo.task_unit_codes(session, row.code):
                raise InvalidInput({"unit": say("commitment_unit_not_assigned", unit=item["unit"])})
            self._check_unit_scope(session, caller, item["unit"])
            commitment_id = repo.insert_commitment(session, row.code, item, utcnow())
            return self._commitment_event(session, commitment_id, events.COMMITMENT_MADE)

    @rpc(expected_exceptions=EXPECTED)
    def fulfil_commitment(self, commitment_id, caller):
        """Say a commitment is kept: by the office's verification policy kept now
        (emits commitment_fulfilled) or waiting for the office's check, as of
        today. Emits verification_requested."""
        require_writer(caller)
        with self.db.session() as session:
            row = repo.commitment_row(session, commitment_id)
            if row is None:
                raise NotFound(say("commitment_not_found", commitment=commitment_id))
            self._check_unit_scope(session, caller, row.unit)
            if row.status != "open":
                raise Conflict(say("commitment_not_open", commitment=commitment_id,
                                   status=COMMITMENT_STATUS_NAMES.get(row.status, row.status)))
            return self._request_commitment(session, row, caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_commitments(self, caller, unit=None, task=None, status=None, limit=100,
                         offset=0):
        """Commitments within the caller's units, soonest promised first:
        {"items": [commitment], "total"}; `status` is "open" or "fulfilled"."""
        refuse_unstorable(unit=unit, task=task, status=status)
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            scope = self._scope(session, caller)
            found = repo.list_commitments(session, limit, offset, scope=scope, unit=unit,
                                          task=task, status=status)
            self._with_commitment_verification(session, found["items"], caller)
            return found

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
            self._extend(session, row, seq, new_date, reason, caller)
            return repo.task_details(session, repo.task_row(session, code))

    def _extend(self, session, row, seq, new_date, reason, caller):
        """Move the due date of `row`'s task (seq None) or its target to
        `new_date`, as the office approved: the one way a due date moves
        (extend_task, and an approved extension request). Emits task_extended."""
        code = row.code
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

    # Helpers -----------------------------------------------------------------

    @staticmethod
    def _sheet_rows(sheet):
        try:
            return ledger.check_shape(sheet)
        except ledger.SheetShapeError as exc:
            raise InvalidInput({"sheet": str(exc)}) from None

    def _ledger_preview(self, session, read, units):
        """(the preview of importing `read`, its new tasks, its changes as
        [(task, change, edits, targets)]): `edits` the fields to edit, loaded;
        `targets` the new plan's targets not yet due, loaded, or None."""
        lookup = ledger.Units(units)
        existing = repo.tasks_by_codes(session, [task.code for task in read.tasks])
        today = self.clock.today()
        errors, new, changed = list(read.errors), [], []
        for task in read.tasks:
            old = existing.get(task.code)
            if old is None:
                new.append(task)
                continue
            change = ledger.task_changes(task, old, read.fields, read.has_plan, lookup)
            if change is None:
                continue
            if problem := ledger.finished_problem(task, old):
                errors.append(problem)
                continue
            found, step = self._ledger_change(session, task, change, old, today)
            errors.extend(found)
            if not found:
                changed.append((task, change, *step))
        in_file = {task.code for task in read.tasks}
        # A ledger of some batches leaves out only tasks of those batches.
        batches = {task.body.get("batch") for task in read.tasks} - {None}
        missing = [{"code": row.code, "title": row.title, "lead_unit": row.lead_unit,
                    "lead_unit_name": lookup.name(row.lead_unit), "status": row.status,
                    "batch": row.batch}
                   for row in repo.task_headings(session)
                   if row.code not in in_file and (not batches or row.batch in batches)]
        changed_out = [item[1] for item in changed]
        preview = {
            "checked": read.checked, "year": read.year,
            "errors": ledger.in_sheet_order(errors),
            "new": [ledger.new_task_summary(task, lookup) for task in new[:LISTED]],
            "new_total": len(new),
            "changed": changed_out[:LISTED], "changed_total": len(changed),
            "unchanged": len(read.tasks) - len(new) - len(changed),
            # Listed, never deleted: a ledger may hold one batch of the library.
            "missing": missing[:LISTED], "missing_total": len(missing),
            "ignored_columns": read.ignored_columns,
            # Of everything the import would do, not only what is listed; the
            # summaries are made one at a time for it.
            "token": ledger.preview_token(
                (ledger.new_task_summary(task, lookup) for task in new), changed_out),
        }
        return preview, new, changed

    def _ledger_change(self, session, task, change, old, today):
        """(the problems, (edits, targets)) of changing the library's `old` task
        as the ledger's row has it, judged by the rules update_task and
        replan_task apply, each problem placed on its row and column."""
        problems, targets = [], None
        if change["plan"] is not None:
            problems, future = ledger.split_plan(task, old, today)
            if problems:
                return problems, None
            try:
                targets = ReplanIn().load({"targets": [target for target, _ in future],
                                           "reason": "-"})["targets"]
            except ValidationError as err:
                return [ledger.refusal_at(task, "plan", err.messages)], None
            edits_due = next((item["to"] for item in change["fields"]
                              if item["field"] == "due_date"), old["due_date"])
            # Judged against the task as the edit leaves its dates.
            shaped = {**old, "due_date": edits_due}
            named = {target.get("unit") or old["lead_unit"] for target in targets}
            _plan, problem = logic.replan(
                shaped, [{**t, "due_date": dt.date.fromisoformat(t["due_date"])}
                         for t in old["targets"]], targets,
                repo.unit_statuses(session, named), today, 1, 0)
            if problem:
                for index, detail in (problem.get("targets") or {}).items():
                    for words in detail.values():
                        problems.append(ledger.refusal_at(task, "plan", words,
                                                          future[int(index)][1]))
                return problems, None
        edits = {}
        if change["fields"]:
            try:
                edits = TaskChangesIn().load(ledger.edits_of(change))
            except ValidationError as err:
                return [ledger.refusal_at(task, name, detail)
                        for name, detail in err.messages.items()], None
            plan_after = old["targets"] if targets is None else [
                {"seq": 0, "due_date": t["due_date"].isoformat()} for t in targets] + [
                t for t in old["targets"] if dt.date.fromisoformat(t["due_date"]) < today]
            named = {edits.get("lead_unit"), *edits.get("cooperating_units", ())} - {None}
            _found, problem = logic.task_changes(
                {**old, "targets": plan_after}, edits, repo.unit_statuses(session, named),
                today)
            if problem:
                return [ledger.refusal_at(task, name, detail)
                        for name, detail in problem.items()], None
        return [], (edits, targets)

    def _apply_ledger_changes(self, session, changed, reason, caller):
        """Each change through the task edit and the re-plan, in the order that
        keeps the plan within the task's dates: dates that narrow the task after
        the new plan, dates that widen it before."""
        today, now = self.clock.today(), utcnow()
        for task, _change, edits, targets in changed:
            row = repo.task_row(session, task.code)
            steps = [lambda row=row, edits=edits: self._edit_task(
                session, row, edits, reason, caller, today, now)] if edits else []
            if targets is not None:
                replan = [lambda code=task.code, targets=targets: self._replan_task(
                    session, repo.task_row(session, code), targets, reason, caller, today,
                    now)]
                narrower = ((edits.get("due_date") and edits["due_date"] < row.due_date)
                            or (edits.get("start_date") and edits["start_date"] > row.start_date))
                steps = replan + steps if narrower else steps + replan
            for step in steps:
                step()

    def _apply_unit_changes(self, session, changed, caller):
        for unit, change in changed:
            (current,) = repo.get_units(session, codes=[unit.body["code"]])
            self._update_unit(session, current, load(UnitChangesIn(), {
                item["field"]: item["to"] for item in change["fields"]}), caller)

    def _edit_task(self, session, row, loaded, reason, caller, today, now):
        """Apply an edit (TaskChangesIn's load) to the task of `row`; InvalidInput
        for what logic.task_changes refuses. Emits task_updated when anything
        changed."""
        code = row.code
        (task,) = repo.tasks_with_parts(session, [row])
        named = {loaded.get("lead_unit"), *loaded.get("cooperating_units", ())} - {None}
        found, problem = logic.task_changes(
            task, loaded, repo.unit_statuses(session, named), today)
        if problem:
            raise InvalidInput(problem)
        if not found:
            return
        values = {name: loaded[name] for name in found
                  if name not in ("cooperating_units",)}
        previous_lead = None
        if "lead_unit" in found:
            previous_lead = row.lead_unit
            moved = logic.lead_moves(task["targets"], row.lead_unit,
                                     loaded["lead_unit"], today)
            repo.move_targets(session, code, moved, loaded["lead_unit"])
            if moved:
                found["targets_moved"] = [moved, loaded["lead_unit"]]
        repo.update_task(session, code, values)
        if {"lead_unit", "cooperating_units"} & set(found):
            # The cooperating units as the edit leaves them; unchanged, as they stand.
            self._relink(session, code, found["cooperating_units"][1]
                         if "cooperating_units" in found else None)
        user = (caller or {}).get("user")
        version = repo.add_task_version(session, code, "update", found, reason, user, now)
        (updated,) = repo.tasks_with_parts(session, [repo.task_row(session, code)])
        self.db.emit(session, events.TASK_UPDATED, events.TaskUpdated().dump(new_event(
            task=updated, changes=found, previous_lead_unit=previous_lead,
            effective_on=today.isoformat(), reason=reason, version=version,
            changed_by=user)))

    def _replan_task(self, session, row, new_targets, reason, caller, today, now):
        """Replace the targets of `row`'s task not yet due with `new_targets`
        (ReplanIn's load); Conflict for a task no longer active, InvalidInput
        for what logic.replan refuses. Emits task_replanned."""
        code = row.code
        if row.status != "active":
            raise Conflict(logic.not_active(code, row.status, "调整计划"))
        every = repo.all_targets(session, code)
        in_force = [{"seq": t.seq, "due_date": t.due_date,
                     "planned_percent": t.planned_percent, "unit": t.unit}
                    for t in every if t.replaced_in is None]
        (task,) = repo.tasks_with_parts(session, [row])
        named = {target.get("unit") or row.lead_unit for target in new_targets}
        plan, problem = logic.replan(
            task, in_force, new_targets, repo.unit_statuses(session, named), today,
            max((t.plan_version for t in every), default=1),
            max((t.seq for t in every), default=0))
        if problem:
            raise InvalidInput(problem)
        user = (caller or {}).get("user")
        repo.replace_plan(session, code, plan, reason, user, today, now)
        self._relink(session, code)
        repo.add_task_version(session, code, "replan", {
            "plan_version": [plan.version - 1, plan.version],
            "replaced": plan.replaced, "added": [t["seq"] for t in plan.added]},
            reason, user, now)
        (updated,) = repo.tasks_with_parts(session, [row])
        self.db.emit(session, events.TASK_REPLANNED, events.TaskReplanned().dump(new_event(
            task=code, lead_unit=row.lead_unit, plan_version=plan.version,
            effective_on=today.isoformat(), replaced=plan.replaced,
            added=[t["seq"] for t in plan.added], targets=updated["targets"],
            reason=reason, approved_by=user)))

    def _update_unit(self, session, unit, loaded, caller):
        """Apply an edit (UnitChangesIn's load) to `unit`; emits unit_updated
        when anything changed. Answers the unit as it stands."""
        code = unit["code"]
        found = logic.unit_changes(unit, loaded)
        if not found:
            return unit
        user = (caller or {}).get("user")
        repo.update_unit(session, code, {name: new for name, (_, new) in found.items()})
        repo.add_unit_version(session, code, "update", found, loaded.get("reason"),
                              user, utcnow())
        (updated,) = repo.get_units(session, codes=[code])
        self.db.emit(session, events.UNIT_UPDATED, events.UnitUpdated().dump(new_event(
            unit=updated, changes=found, reason=loaded.get("reason"), changed_by=user)))
        return updated

    def _backdate(self):
        return dt.timedelta(days=self.settings.report_backdate_days)

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
        # A retired unit takes no new task.
        known = {code for code, status in repo.unit_statuses(
            session, logic.named_units(task)).items() if status == "active"}
        return logic.task_problems(task, exists, known)

    def _relink(self, session, code, cooperating=None):
        """Rebuild the task's units from its lead, its cooperating units (as
        given, or as they stand) and the owners of all its targets."""
        row = repo.task_row(session, code)
        if cooperating is None:
            (cooperating,) = [[c for c in task["cooperating_units"]]
                              for task in repo.tasks_with_parts(session, [row])]
        owners = [target.unit for target in repo.all_targets(session, code)]
        repo.set_links(session, code, logic.task_links_of(row.lead_unit, cooperating, owners))

    def _active_unit(self, session, code, field=None):
        found = repo.get_units(session, codes=[code]) if isinstance(code, str) else []
        if not found:
            if field:
                raise InvalidInput({field: say("unit_unknown", unit=code)})
            raise NotFound(f"no unit {code}")
        if found[0]["status"] != "active":
            detail = say("unit_not_active", unit=code)
            raise InvalidInput({field: detail}) if field else Conflict(detail)
        return found[0]

    def _retire(self, session, code, merged_into, reason, caller):
        user, now = (caller or {}).get("user"), utcnow()
        repo.update_unit(session, code, {"status": "retired", "retired_at": now,
                                         "merged_into": merged_into})
        repo.add_unit_version(session, code, "merge" if merged_into else "retire",
                              {"status": ["active", "retired"],
                               **({"merged_into": [None, merged_into]} if merged_into else {})},
                              reason, user, now)
        self.db.emit(session, events.UNIT_RETIRED, events.UnitRetired().dump(new_event(
            unit=code, merged_into=merged_into, effective_on=self.clock.today().isoformat(),
            reason=reason, changed_by=user)))
        (unit,) = repo.get_units(session, codes=[code])
        return unit

    def _import_new_tasks(self, session, tasks):
        """Store new tasks set-based and announce them in tasks_imported slices."""
        repo.insert_tasks(session, [(task, logic.task_links(task)) for task in tasks], utcnow())
        for start in range(0, len(tasks), IMPORT_EVENT_TASKS):
            codes = [task["code"] for task in tasks[start:start + IMPORT_EVENT_TASKS]]
            created = repo.tasks_with_parts(session, repo.task_rows(session, codes))
            self.db.emit(session, events.TASKS_IMPORTED, dumper(events.TasksImported)(
                new_event(tasks=created)))

    def _insert_task(self, session, task):
        repo.insert_task(session, task, logic.task_links(task), utcnow())
        (created,) = repo.tasks_with_parts(session, [repo.task_row(session, task["code"])])
        self.db.emit(session, events.TASK_CREATED, events.TaskCreated().dump(
            new_event(task=created)))
        return created

    def _change_status(self, session, row, status, reason, event_type):
        repo.set_status(session, row.code, status, reason, utcnow())
        self.db.emit(session, event_type, events.TaskStatusChanged().dump(new_event(
            task=row.code, lead_unit=row.lead_unit, status=status, reason=reason,
            effective_on=self.clock.today().isoformat())))
        return repo.task_details(session, repo.task_row(session, row.code))

    def _commitment_event(self, session, commitment_id, event_type):
        commitment = repo.commitment_dict(repo.commitment_row(session, commitment_id))
        self.db.emit(session, event_type, events.CommitmentChanged().dump(new_event(
            commitment={key: commitment[key] for key in (
                "id", "task", "unit", "step", "promised_date", "result", "status",
                "fulfilled_at")})))
        return commitment

