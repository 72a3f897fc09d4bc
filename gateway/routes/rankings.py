"""Evaluation and ranking (评价排队): units ranked within their group."""
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request

from ..auth import CurrentCaller
from ..rpc import Rpc
from ..schemas import UnitKind

router = APIRouter(prefix="/api/v1/rankings", tags=["rankings"])

Period = Annotated[str | None, Query(pattern=r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
                                     description="2026-Q4, 2026-10 or 2026; default this quarter")]


def current_quarter(today: dt.date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@router.get("")
def get_ranking(request: Request, caller: CurrentCaller, rpc: Rpc, period: Period = None,
                group: UnitKind = "county"):
    """A group's ranking for a period (default: the office's current quarter)."""
    period = period or current_quarter(request.app.state.settings.today())
    return rpc.ranking.get_ranking(period=period, group=group)
