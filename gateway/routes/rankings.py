"""Evaluation and ranking (评价排队): units ranked within their group, the lead
units' evaluations, a period's ranking from draft to publication, the score rules."""
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ..auth import Admin, CurrentCaller, Evaluator
from ..rpc import Rpc, present
from ..schemas import Code, EvaluationIn, Limit, Offset, RulesIn
from ..spreadsheet import XLSX_MEDIA_TYPE, write_ranking
from .notifications import CityWide
from .version import PREFIX

router = APIRouter(prefix=PREFIX, tags=["rankings"])

PERIOD_PATTERN = r"^\d{4}(-Q[1-4]|-H[12]|-(0[1-9]|1[0-2]))?$"
PERIOD_TEXT = "2026-Q4 (quarter), 2026-H2 (half year), 2026-11 (month) or 2026 (year)"
Period = Annotated[str, Path(pattern=PERIOD_PATTERN, description=PERIOD_TEXT)]
PeriodQuery = Annotated[str | None, Query(
    pattern=PERIOD_PATTERN, description=f"{PERIOD_TEXT}; default the current period")]
Group = Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_-]{0,31}$",
                                    description="a group key (county, department...); "
                                                "default the first group")]
Day = Annotated[dt.date, Query(description="YYYY-MM-DD")]


@router.get("/rankings")
def get_ranking(caller: CurrentCaller, rpc: Rpc, period: PeriodQuery = None,
                group: Group = None):
    """A group's ranking for a period: entries with scores, breakdowns and rank
    changes, and the red and black lists. Until the ranking is published the
    office and leaders read it whole, anyone else only its own units' entries
    and no lists (the ranking service decides)."""
    return rpc.ranking.get_ranking(caller=caller.as_rpc(),
                                   **present(period=period, group=group))


@router.get("/rankings/groups")
def list_ranking_groups(caller: CurrentCaller, rpc: Rpc):
    """The groups units are ranked in."""
    return rpc.ranking.list_groups()


@router.get("/rankings/periods")
def list_ranking_periods(caller: CurrentCaller, rpc: Rpc, limit: Limit = 100,
                         offset: Offset = 0):
    """The current period and every drafted, approved or published one."""
    return rpc.ranking.list_periods(limit=limit, offset=offset)


@router.get("/rankings/movers")
def list_ranking_movers(caller: CityWide, rpc: Rpc, since: Day,
                        until: Day | None = None):
    """The units whose live rank moved most since a day (the office and leaders:
    a live rank is an unpublished standing)."""
    return rpc.ranking.list_movers(since=since.isoformat(),
                                   **present(until=until and until.isoformat()))


@router.get("/rankings/way-off")
def get_way_off(caller: CurrentCaller, rpc: Rpc, unit: Annotated[Code, Query()],
                period: PeriodQuery = None):
    """The way off the black list (如何脱离黑榜) for one unit in the live ranking:
    whether it is in the bottom group or on the black list, and the fewest of
    its open matters (targets, notices, commitments, 13710 matters) that lift
    it out, each with the points it gains. A unit reads its own; the office and
    leaders any unit's (the ranking service decides)."""
    return rpc.ranking.get_way_off(unit=unit, caller=caller.as_rpc(), **present(period=period))


@router.get("/rankings/{period}/export", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def export_ranking(caller: CurrentCaller, period: Period, rpc: Rpc):
    """A period's table of every group as an .xlsx workbook (a sheet per group)."""
    groups = rpc.ranking.list_groups()["items"]
    rankings = [rpc.ranking.get_ranking(period=period, group=group["key"],
                                        caller=caller.as_rpc()) for group in groups]
    return Response(write_ranking(rankings), media_type=XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="ranking-{period}.xlsx"'})


@router.get("/rankings/{period}/evaluations")
def list_evaluations(caller: CurrentCaller, period: Period, rpc: Rpc, unit: Code | None = None,
                     lead_unit: Code | None = None, limit: Limit = 100, offset: Offset = 0):
    """The lead units' evaluations of their cooperating units for a period: all
    of them for the office, an evaluator's own, none for anyone else."""
    return rpc.ranking.list_evaluations(period=period, limit=limit, offset=offset,
                                        caller=caller.as_rpc(),
                                        **present(unit=unit, lead_unit=lead_unit))


@router.post("/rankings/{period}/evaluations")
def submit_evaluation(caller: Evaluator, period: Period, body: EvaluationIn, rpc: Rpc):
    """A lead unit scores a unit cooperating on its tasks (0–100, with a comment);
    given again, it replaces the first until the ranking is approved."""
    return rpc.ranking.submit_evaluation(period=period, data=body.model_dump(exclude_none=True),
                                         caller=caller.as_rpc())


@router.post("/rankings/{period}/draft")
def draft_ranking(caller: Admin, period: Period, rpc: Rpc):
    """Freeze an ended period's ranking as a draft, or recompute its draft."""
    return rpc.ranking.draft_ranking(period=period, caller=caller.as_rpc())


@router.post("/rankings/{period}/approve")
def approve_ranking(caller: Admin, period: Period, rpc: Rpc):
    return rpc.ranking.approve_ranking(period=period, caller=caller.as_rpc())


@router.post("/rankings/{period}/reopen")
def reopen_ranking(caller: Admin, period: Period, rpc: Rpc):
    """Send an approved, unpublished ranking back to draft."""
    return rpc.ranking.reopen_ranking(period=period, caller=caller.as_rpc())


@router.post("/rankings/{period}/publish")
def publish_ranking(caller: Admin, period: Period, rpc: Rpc):
    """Publish an approved ranking: its red and black lists become public."""
    return rpc.ranking.publish_ranking(period=period, caller=caller.as_rpc())


@router.get("/ranking-rules")
def get_score_rules(caller: CurrentCaller, rpc: Rpc):
    """The score rules in force: weights, list rules, groups and the tie-break."""
    return rpc.ranking.get_score_rules()


@router.put("/ranking-rules")
def update_score_rules(caller: Admin, body: RulesIn, rpc: Rpc):
    """Store a new version of the score rules; fields left out keep their values."""
    return rpc.ranking.update_score_rules(data=body.rules, caller=caller.as_rpc(),
                                          **present(note=body.note))


@router.get("/ranking-rules/versions")
def list_score_rule_versions(caller: CurrentCaller, rpc: Rpc, limit: Limit = 100,
                             offset: Offset = 0):
    return rpc.ranking.list_score_rule_versions(limit=limit, offset=offset)


