"""Signals of gamed numbers (数据真实性线索), for the supervision office alone: the
tasks service finds them after reports, uploads and 13710 stages; the office
lists them and marks each reviewed (看过，无问题) or confirmed (属实, with its
note), and a confirmed one opens a 三问 accountability record for the unit.
Units never see a signal: every route here is the office's."""
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from ..auth import Admin
from ..rpc import Rpc, present
from ..schemas import Code, Limit, Offset, WriteBody, _text
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/signals", tags=["signals"])
SignalId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Kind = Literal["reused_evidence", "late_jump", "last_hour", "no_evidence",
               "last_moment_stages"]


class SignalReviewIn(WriteBody):
    """reviewed: looked at, nothing wrong; confirmed: true, with the note saying
    what the office found (required)."""

    verdict: Literal["reviewed", "confirmed"]
    note: _text(2000) | None = None


@router.get("")
def list_signals(caller: Admin, rpc: Rpc, kind: Kind | None = None,
                 status: Annotated[str | None, Query(
                     pattern="^(open|reviewed|confirmed)$")] = None,
                 unit: Code | None = None, limit: Limit = 100, offset: Offset = 0):
    """The signals, newest first, each with its explanation, its task's title and
    its unit's name; `counts` by status (open, reviewed, confirmed)."""
    return rpc.tasks.list_signals(caller=caller.as_rpc(), limit=limit, offset=offset,
                                  **present(kind=kind, status=status, unit=unit))


@router.post("/{signal_id}/review")
def review_signal(caller: Admin, signal_id: SignalId, body: SignalReviewIn, rpc: Rpc):
    """The office's verdict on an open signal. Answers the signal."""
    return rpc.tasks.review_signal(signal_id=signal_id, verdict=body.verdict,
                                   caller=caller.as_rpc(), **present(note=body.note))
