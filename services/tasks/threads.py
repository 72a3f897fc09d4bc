"""The conversation on a task, as plain rules: who writes as which side, who may
write, and whom a new message is for. No nameko, no SQL."""
from .exceptions import Forbidden

OFFICE, UNIT, LEADER = "office", "unit", "leader"
ROLE_NAMES = {OFFICE: "督查办", UNIT: "责任单位", LEADER: "领导"}


def author_side(caller):
    """The side a caller writes for: the office (admins), a leader, or a unit."""
    role = (caller or {}).get("role")
    if role == "admin":
        return OFFICE
    if role == "leader":
        return LEADER
    return UNIT


def check_may_post(caller, side, has_instruction):
    """Leaders read threads and write only on a task they gave an instruction on;
    the others write as they may write anything. Forbidden otherwise."""
    if side == LEADER and not has_instruction:
        raise Forbidden({"code": "leader_read_only",
                         "message": "领导只能在本人作出批示的任务上留言；其他任务的留言仅供查阅。"})


def author_unit(caller, scope, task_units):
    """The unit a unit's message speaks for: the first of the task's units the
    caller acts for; None for the office and leaders."""
    if scope is None:
        return None
    mine = sorted(set(task_units) & set(scope))
    return mine[0] if mine else None


def recipients(side, unit, lead_unit, task_units):
    """Who hears of a new message: {"units": [...], "office": bool}. The office's
    and a leader's message goes to the task's units; a unit's to the office (and
    to the lead unit when a cooperating unit writes)."""
    units = sorted(set(task_units))
    if side == OFFICE:
        return {"units": units, "office": False}
    if side == LEADER:
        return {"units": units, "office": True}
    others = [lead_unit] if unit != lead_unit else []
    return {"units": others, "office": True}
