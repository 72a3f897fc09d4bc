"""Leaders' instructions (批示): recorded by the office or entered by a leader,
read under 我的批示 with each matter's colour, 13710 stages and the lead unit's
feedback at each stage (text and files)."""
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile, status
from pydantic import Field
from sqlalchemy import select

from ..auth import Caller, CurrentCaller, Writer, current_caller
from ..db import DbSession
from ..messages import refusal
from ..models import User
from ..rpc import Rpc, all_items, present
from ..schemas import (
    ClockClass,
    ClockStage,
    Code,
    LeaderOut,
    LeadersOut,
    Limit,
    Offset,
    PlanDate,
    WriteBody,
    _text,
)
from .files import form_text, inline_files
from .tasks import TaskToClock
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/instructions", tags=["instructions"])
feedback_router = APIRouter(prefix=f"{PREFIX}/tasks", tags=["instructions"])
leaders_router = APIRouter(prefix=f"{PREFIX}/leaders", tags=["instructions"])
InstructionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class MatterIn(WriteBody):
    code: Code | None = None
    title: _text(300)
    lead_unit: Code
    cooperating_units: Annotated[list[Code], Field(max_length=200)] = []
    clock_class: ClockClass | None = None
    category: _text(50) | None = None
    due_date: PlanDate | None = None
    responsible_person: _text(50) | None = None


class InstructionIn(WriteBody):
    """One of `task` (an existing task), `matter` (a new matter) or `parent` (the
    instruction a follow-up 再批示 follows); `leader` is the leader's user name
    (a leader entering its own may leave it out), `leader_name` as shown."""

    leader: Code | None = None
    leader_name: _text(50) | None = None
    given_on: PlanDate
    text: _text(5000)
    task: Code | None = None
    matter: MatterIn | None = None
    parent: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    clock_class: ClockClass | None = None
    due_date: PlanDate | None = None


class InstructionCorrectionIn(WriteBody):
    """A correction of a recorded instruction: any of its words, the leader's name
    shown under it and its date, and why (kept with the instruction)."""

    text: _text(5000) | None = None
    leader_name: _text(50) | None = None
    given_on: PlanDate | None = None
    reason: _text(500)


def office_or_leader(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    if caller.role not in ("admin", "leader") or caller.read_only:
        raise refusal(status.HTTP_403_FORBIDDEN, "office_or_leader_only")
    return caller


OfficeOrLeader = Annotated[Caller, Depends(office_or_leader)]


def _with_colours(rpc, items, caller):
    """`items` with their matter's colour and its lead unit's name."""
    names = {unit["code"]: unit["name"] for unit in all_items(rpc.tasks.list_units,
                                                              caller=caller.as_rpc())}
    for item in items:
        item["lead_unit_name"] = names.get(item.get("lead_unit"), item.get("lead_unit"))
    codes = sorted({item["task"] for item in items})
    colours = rpc.warnings.get_task_colours(codes=codes) if codes else {}
    for item in items:
        state = colours.get(item["task"]) or {}
        item["colour"], item["colour_reason"] = state.get("colour"), state.get("reason")
    return items


@leaders_router.get("", response_model=LeadersOut)
def list_leaders(caller: OfficeOrLeader, db: DbSession):
    """The leaders a 批示 may be recorded for, by name (the office chooses one in its
    form instead of typing a login): each enabled user of role leader, its login
    and the name people read; no phone, unit or sign-in. Those who may record a
    批示 may read it (the office and leaders), no one else."""
    rows = db.execute(select(User.username, User.name).where(
        User.role == "leader", User.disabled_at.is_(None)).order_by(User.id)).all()
    items = [LeaderOut(username=username, name=name or username) for username, name in rows]
    return LeadersOut(items=items, total=len(items))


@router.post("", status_code=status.HTTP_201_CREATED)
def give_instruction(body: InstructionIn, caller: OfficeOrLeader, db: DbSession, rpc: Rpc):
    """Record a leader's instruction; a new matter (or a follow-up) becomes a task
    of source instruction on the 13710 clock."""
    data = body.to_rpc()
    if caller.role == "leader":
        if data.setdefault("leader", caller.user) != caller.user:
            raise refusal(status.HTTP_403_FORBIDDEN, "leader_own_only")
    elif "leader" not in data:
        raise refusal(status.HTTP_422_UNPROCESSABLE_CONTENT, "not_a_leader", username="")
    user = db.execute(select(User).where(User.username == data["leader"])).scalar_one_or_none()
    if user is None or user.role != "leader":
        raise refusal(status.HTTP_422_UNPROCESSABLE_CONTENT, "not_a_leader",
                      username=data["leader"])
    # Shown to people under the instruction: the person, the login only for an
    # account the office has not named.
    data.setdefault("leader_name", user.name or user.username)
    answer = rpc.tasks.give_instruction(data=data, caller=caller.as_rpc())
    return _with_colours(rpc, [answer], caller)[0]


@router.get("")
def list_instructions(caller: CurrentCaller, rpc: Rpc, mine: bool = False,
                      leader: Code | None = None, task: Code | None = None,
                      limit: Limit = 100, offset: Offset = 0):
    """Instructions, newest first, each with its matter's status, colour, 13710
    stages and feedback, and its follow-ups; `mine=true` a leader's own (我的批示).
    A unit sees those on its tasks."""
    if mine:
        leader = caller.user
    page = rpc.tasks.list_instructions(caller=caller.as_rpc(), limit=limit, offset=offset,
                                       **present(leader=leader, task=task))
    return {**page, "items": _with_colours(rpc, page["items"], caller)}


@router.get("/{instruction_id}")
def get_instruction(instruction_id: InstructionId, caller: CurrentCaller, rpc: Rpc):
    answer = rpc.tasks.get_instruction(instruction_id=instruction_id, caller=caller.as_rpc())
    return _with_colours(rpc, [answer], caller)[0]


@router.patch("/{instruction_id}")
def correct_instruction(instruction_id: InstructionId, body: InstructionCorrectionIn,
                        caller: OfficeOrLeader, rpc: Rpc):
    """Correct an instruction recorded with a typo (its words, the leader's name, its
    date) for a reason: the office any, a leader its own (the service judges
    whose it is). Answers the instruction with every correction kept."""
    answer = rpc.tasks.correct_instruction(instruction_id=instruction_id, data=body.to_rpc(),
                                           caller=caller.as_rpc())
    return _with_colours(rpc, [answer], caller)[0]


@feedback_router.post("/{code}/clock/{stage}/feedback", status_code=status.HTTP_201_CREATED)
def give_stage_feedback(request: Request, caller: Writer, code: TaskToClock,
                        stage: ClockStage, rpc: Rpc,
                        text: Annotated[str, Form(min_length=1, max_length=5000)],
                        files: Annotated[list[UploadFile] | None, File()] = None):
    """The lead unit's feedback at a 13710 stage (multipart: `text`, up to five
    `files`); records the stage as done with its first feedback. Answers the
    task's stages with their feedback."""
    data = {"stage": stage, "text": form_text(text), "files": inline_files(request, files)}
    return rpc.tasks.give_stage_feedback(code=code, data=data, caller=caller.as_rpc())
