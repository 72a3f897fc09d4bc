"""The tasks service's entrypoints for leaders' instructions (批示), the lead
unit's feedback at each 13710 stage, and the conversation on a task. Mixed into
the Service of service.py, whose own methods (_visible_task, _insert_task, _scope)
they use; the rules are in instructions.py and threads.py."""
import base64
import binascii

from marshmallow import ValidationError

from services.common.clock import utcnow
from services.common.consuming import rpc
from services.common.events import new_event
from services.common.paging import page
from services.common.text import refuse_unstorable

from . import events, instructions, logic, threads
from . import repository as repo
from .exceptions import EXPECTED, Conflict, InvalidInput, NotFound, TooLarge
from .schemas import InstructionCorrectionIn, InstructionIn, MessageIn, StageFeedbackIn
from .texts import say


def _load(schema, data):
    try:
        return schema.load(data if isinstance(data, dict) else {})
    except ValidationError as err:
        raise InvalidInput(err.messages) from None


class LeadersEntrypoints:
    """Instructions, stage feedback and task threads. Emits instruction_given
    (with task_created for a new matter), instruction_corrected,
    stage_feedback_given (with
    clock_stage_recorded when it records the stage) and task_message_posted."""

    @rpc(expected_exceptions=EXPECTED)
    def give_instruction(self, data, caller):
        """Record a leader's instruction: the office for any leader, a leader for
        itself. `data` is InstructionIn: leader (user name), leader_name,
        given_on, text and one of task, matter or parent. A matter (and a
        follow-up, which has its own) becomes a task of source instruction on the
        13710 clock. Answers the instruction with its task. Emits
        instruction_given, and task_created for a new task."""
        loaded = _load(InstructionIn(), data)
        instructions.check_giver(caller, loaded["leader"])
        kind = instructions.kind_of(loaded)
        user = (caller or {}).get("user")
        now = utcnow()
        with self.db.session() as session:
            parent_id = None
            if kind == instructions.ON_TASK:
                row = repo.task_row(session, loaded["task"])
                if row is None:
                    raise NotFound(f"no task {loaded['task']}")
                if row.status != "active":
                    raise Conflict(f"task {row.code} is {row.status}")
                code = row.code
            else:
                if kind == instructions.FOLLOW_UP:
                    parent = repo.instruction_row(session, loaded["parent"])
                    if parent is None:
                        raise NotFound(f"no instruction {loaded['parent']}")
                    parent_id = parent.id
                    (parent_task,) = repo.tasks_with_parts(
                        session, [repo.task_row(session, parent.task_code)])
                    matter = instructions.follow_up_matter(
                        parent_task, loaded["text"], loaded.get("clock_class"),
                        loaded.get("due_date"))
                    code = instructions.follow_up_code(
                        parent.task_code, repo.task_codes_like(session, parent.task_code))
                else:
                    matter = loaded["matter"]
                    code = matter.get("code") or instructions.matter_code(
                        loaded["given_on"], repo.task_codes_like(
                            session, f"PS{loaded['given_on']:%Y%m%d}"))
                task = instructions.matter_task(matter, loaded["given_on"], code,
                                                repo.CALENDAR.calendar(session))
                problems = self._task_problems(session, task)
                if problems.pop("code", None):
                    raise Conflict(f"task {code} exists")
                if problems:
                    raise InvalidInput({"matter": problems})
                self._insert_task(session, task)
                row = repo.task_row(session, code)
            instruction_id = repo.insert_instruction(session, code, kind, parent_id, loaded,
                                                     user, now)
            self.db.emit(session, events.INSTRUCTION_GIVEN, events.InstructionGiven().dump(
                new_event(instruction_id=instruction_id, kind=kind, parent=parent_id,
                          task=code, title=row.title, lead_unit=row.lead_unit,
                          leader=loaded["leader"], leader_name=loaded["leader_name"],
                          given_on=loaded["given_on"].isoformat(), text=loaded["text"])))
            return self._instruction_views(session, [repo.instruction_dict(
                repo.instruction_row(session, instruction_id))])[0]

    @rpc(expected_exceptions=EXPECTED)
    def correct_instruction(self, instruction_id, data, caller):
        """Correct a recorded instruction: the office any, a leader its own.
        `data` is InstructionCorrectionIn: any of text, leader_name and given_on,
        and the reason (required). Each correction is kept with the fields
        before and after. Answers the instruction as list_instructions shows it,
        with its corrections. NotFound; Forbidden (instruction_giver);
        InvalidInput for a blank reason, a date after today or nothing changed.
        Emits instruction_corrected."""
        loaded = _load(InstructionCorrectionIn(), data)
        user = (caller or {}).get("user")
        with self.db.session() as session:
            row = repo.instruction_row(session, instruction_id) \
                if isinstance(instruction_id, int) else None
            if row is None:
                raise NotFound(f"no instruction {instruction_id}")
            instructions.check_giver(caller, row.leader)
            change = instructions.correction(row._mapping, loaded, self.clock.today())
            repo.correct_instruction(session, row.id, change, user, utcnow())
            task = repo.task_row(session, row.task_code)
            after = change["after"]
            self.db.emit(session, events.INSTRUCTION_CORRECTED,
                         events.InstructionCorrected().dump(new_event(
                             instruction_id=row.id, task=row.task_code,
                             lead_unit=task.lead_unit, kind=row.kind, leader=row.leader,
                             leader_name=after["leader_name"],
                             given_on=after["given_on"].isoformat(), text=after["text"],
                             reason=change["reason"], corrected_by=user)))
            return self._instruction_views(session, [repo.instruction_dict(
                repo.instruction_row(session, row.id))])[0]

    @rpc(expected_exceptions=EXPECTED)
    def list_instructions(self, caller, leader=None, task=None, limit=100, offset=0):
        """Instructions, newest first, each with its task (title, status, lead
        unit, clock class), its 13710 stages with their feedback and its
        follow-ups: {"items", "total"}. Units see those on their tasks."""
        refuse_unstorable(leader=leader, task=task)
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            found = repo.list_instructions(session, limit, offset,
                                           scope=self._scope(session, caller),
                                           leader=leader, task=task)
            return {**found, "items": self._instruction_views(session, found["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def get_instruction(self, instruction_id, caller):
        """One instruction as list_instructions shows it. NotFound; Forbidden for a
        unit not on its task."""
        with self.db.session(readonly=True) as session:
            row = repo.instruction_row(session, instruction_id) \
                if isinstance(instruction_id, int) else None
            if row is None:
                raise NotFound(f"no instruction {instruction_id}")
            self._visible_task(session, row.task_code, caller)
            return self._instruction_views(session, [repo.instruction_dict(row)])[0]

    @rpc(expected_exceptions=EXPECTED)
    def give_stage_feedback(self, code, data, caller):
        """The lead unit's (or the office's) feedback at a 13710 stage: text and up
        to five files, kept as the task's evidence. The stage is recorded as done
        with its first feedback (at `recorded_at`, default now). Answers the
        task's stages with their feedback. Emits stage_feedback_given, and
        clock_stage_recorded when the stage was not recorded yet, and
        evidence_added for each file."""
        refuse_unstorable(code=code)
        loaded = _load(StageFeedbackIn(), data)
        received = utcnow()
        # The unit's own time is information, bounded as for any stage; the stage
        # is judged by when the platform received it.
        moment = logic.naive_utc(loaded.get("recorded_at")) or received
        if problem := logic.moment_problem("recorded_at", moment, received, self._backdate()):
            raise InvalidInput(problem)
        user = (caller or {}).get("user")
        with self.db.session() as session:
            row = self._visible_task(session, code, caller, writing=True,
                                     action="task.record_clock_stage")
            if not row.clock_class:
                raise Conflict(say("task_not_on_clock", task=code))
            if row.status not in ("active", "closed", "explained"):
                raise Conflict(f"task {code} is {row.status}")
            stage = loaded["stage"]
            if not repo.clock_stage_recorded(session, code, stage) and not self.stage_waiting(
                    session, code, stage):
                # The stage is the unit's claim, checked by the office as any
                # recorded stage is (复核, verification_entrypoints.py).
                self._request_stage(session, row, stage, moment, received, caller)
            evidence_ids = self._keep_files(session, code, loaded["files"], user)
            now = utcnow()
            feedback_id = repo.insert_stage_feedback(session, code, stage, loaded["text"],
                                                     evidence_ids, user, now)
            self.db.emit(session, events.STAGE_FEEDBACK_GIVEN, events.StageFeedbackGiven().dump(
                new_event(feedback_id=feedback_id, task=code, title=row.title,
                          lead_unit=row.lead_unit, stage=stage, text=loaded["text"],
                          files=len(evidence_ids), given_by=user, given_at=now.isoformat())))
            self._find_signals(session, {code})
            return instructions.stages_view(
                row.clock_class, repo.clocks_of(session, [code]).get(code, []),
                repo.feedback_of(session, [code]).get(code, []))

    @rpc(expected_exceptions=EXPECTED)
    def post_task_message(self, code, data, caller):
        """Leave a message (text and up to five files) on a task's thread, as the
        office, one of the task's units, or a leader who gave an instruction on
        it. `data` is MessageIn: text, files, and author_name (the caller's name
        as people read it, the login without it). Answers the message. Emits
        task_message_posted (and evidence_added for each file)."""
        refuse_unstorable(code=code)
        loaded = _load(MessageIn(), data)
        side = threads.author_side(caller)
        with self.db.session() as session:
            if side == threads.LEADER:
                row = self._visible_task(session, code, caller)
            else:
                row = self._visible_task(session, code, caller, writing=True)
            user = (caller or {}).get("user") or ""
            threads.check_may_post(caller, side, side != threads.LEADER
                                   or repo.leader_instructed(session, row.code, user))
            units = repo.task_unit_codes(session, row.code)
            unit = threads.author_unit(caller, self._scope(session, caller), units)
            evidence_ids = self._keep_files(session, row.code, loaded["files"], user)
            now = utcnow()
            message_id = repo.insert_message(session, row.code, user, side, unit,
                                             loaded["text"], evidence_ids, now)
            heard_by = threads.recipients(side, unit, row.lead_unit, units)
            self.db.emit(session, events.TASK_MESSAGE_POSTED, events.TaskMessagePosted().dump(
                new_event(message_id=message_id, task=row.code, title=row.title, author=user,
                          author_name=loaded["author_name"] or user, side=side,
                          author_unit=unit,
                          excerpt=instructions.excerpt(loaded["text"]),
                          to_units=heard_by["units"], to_office=heard_by["office"],
                          posted_at=now.isoformat())))
            return repo.list_messages(session, row.code, 1, 0, message_id=message_id)[
                "items"][0]

    @rpc(expected_exceptions=EXPECTED)
    def list_task_messages(self, code, caller, limit=100, offset=0):
        """A task's thread, oldest first: {"items": [{id, task, author, side, unit,
        text, files, posted_at}], "total"}; scoped like the task."""
        refuse_unstorable(code=code)
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            row = self._visible_task(session, code, caller)
            return repo.list_messages(session, row.code, limit, offset)

    # Inside -------------------------------------------------------------------

    def _keep_files(self, session, code, files, user):
        """Store inline files as the task's evidence; answers their ids."""
        ids = []
        for index, item in enumerate(files):
            try:
                content = base64.b64decode(item["content_b64"] or "", validate=True)
            except (binascii.Error, ValueError, TypeError):
                raise InvalidInput({"files": {index: "content is not valid base64"}}) from None
            if not content:
                raise InvalidInput({"files": {index: "the file is empty"}})
            if len(content) > self.evidence_files.max_bytes:
                raise TooLarge(f"files are at most {self.evidence_files.max_bytes} bytes")
            kind = logic.sniff_evidence(content)
            name = logic.clean_evidence_name(item["filename"])
            digest = self.evidence_files.save(content)
            evidence_id = repo.add_evidence(session, code, digest, name, kind, len(content),
                                            user, utcnow())
            self.db.emit(session, events.EVIDENCE_ADDED, events.EvidenceAdded().dump(
                new_event(task=code, evidence_id=evidence_id, sha256=digest)))
            ids.append(evidence_id)
        return ids

    def _instruction_views(self, session, items):
        """Instructions with their task, stages, feedback, follow-ups and
        corrections (oldest first)."""
        codes = sorted({item["task"] for item in items})
        rows = {row.code: row for row in (repo.task_row(session, code) for code in codes)}
        clocks, feedback = repo.clocks_of(session, codes), repo.feedback_of(session, codes)
        ids = [item["id"] for item in items]
        later, corrections = repo.follow_ups(session, ids), repo.corrections_of(session, ids)
        answer = []
        for item in items:
            row = rows[item["task"]]
            answer.append({
                **item, "kind_name": instructions.KIND_NAMES[item["kind"]],
                "task_title": row.title, "status": row.status, "lead_unit": row.lead_unit,
                "clock_class": row.clock_class, "due_date": row.due_date.isoformat(),
                "stages": instructions.stages_view(row.clock_class, clocks.get(row.code, []),
                                                   feedback.get(row.code, [])),
                "follow_ups": later.get(item["id"], []),
                "corrections": instructions.corrections_view(corrections.get(item["id"], []))})
        return answer
