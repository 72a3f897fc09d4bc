"""How an item is coloured, as plain functions over plain data.

A target is judged against the task's planned trajectory: its cumulative
percentage by each target's due date, interpolated linearly in between. A task
takes the worst colour of its targets. The thresholds are a `Rules` value, so the
office's settings (and their version) travel with every colour.
"""
import datetime as dt
from dataclasses import dataclass

GREEN, YELLOW, RED = "green", "yellow", "red"
SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}
FINISHED = ("closed", "explained", "cancelled")


@dataclass(frozen=True)
class Rules:
    version: int = 1
    late_days_red: int = 15        # a missed target turns red this many days after its due date
    behind_points_yellow: float = 10
    behind_points_red: float = 30


@dataclass(frozen=True)
class Target:
    seq: int
    due_date: dt.date
    planned_percent: float
    unit: str


@dataclass(frozen=True)
class Task:
    code: str
    lead_unit: str
    status: str
    start_date: dt.date
    due_date: dt.date
    percent: float
    targets: tuple


@dataclass(frozen=True)
class Colour:
    item_kind: str
    item_key: str
    task: str
    unit: str
    colour: str
    reason: str


def planned_by(task, day):
    """The cumulative percentage the task's plan expects by `day`."""
    points = [(task.start_date, 0.0)] + [(t.due_date, t.planned_percent) for t in task.targets]
    if day <= points[0][0]:
        return 0.0
    for (start, low), (end, high) in zip(points, points[1:], strict=False):
        if day <= end:
            span = (end - start).days
            return high if span <= 0 else low + (high - low) * (day - start).days / span
    return points[-1][1]


def target_colour(task, target, as_of, rules):
    """The colour of one target as of a day, with its reason in words."""
    done = task.percent
    if as_of > target.due_date:
        if done >= target.planned_percent:
            return GREEN, f"已完成月度目标（{target.planned_percent:g}%）"
        late = (as_of - target.due_date).days
        behind = target.planned_percent - done
        reason = (f"逾期{late}天未完成目标：计划{target.planned_percent:g}%，"
                  f"实际{done:g}%")
        if late > rules.late_days_red or behind > rules.behind_points_red:
            return RED, "严重延期：" + reason
        return YELLOW, "延期推进：" + reason
    behind = planned_by(task, as_of) - done
    if behind > rules.behind_points_red:
        return RED, f"严重延期：落后计划{behind:.0f}个百分点"
    if behind > rules.behind_points_yellow:
        return YELLOW, f"延期推进：落后计划{behind:.0f}个百分点"
    return GREEN, "如期推进"


def evaluate_task(task, as_of, rules):
    """Colours of a task's targets and of the task itself (the worst of them)."""
    if task.status in FINISHED:
        words = {"closed": "已销号", "explained": "已说明情况", "cancelled": "已撤销"}
        return [Colour("task", task.code, task.code, task.lead_unit, GREEN,
                       words[task.status])]
    colours = []
    for target in task.targets:
        colour, reason = target_colour(task, target, as_of, rules)
        colours.append(Colour("target", f"{task.code}#{target.seq}", task.code, target.unit,
                              colour, reason))
    if colours:
        worst = max(colours, key=lambda item: SEVERITY[item.colour])
        reason = "如期推进" if worst.colour == GREEN else f"目标{worst.item_key}：{worst.reason}"
        colours.append(Colour("task", task.code, task.code, task.lead_unit, worst.colour,
                              reason))
    else:
        colour, reason = GREEN, "如期推进"
        if as_of > task.due_date and task.percent < 100:
            colour, reason = RED, f"严重延期：已过截止日期，完成{task.percent:g}%"
        colours.append(Colour("task", task.code, task.code, task.lead_unit, colour, reason))
    return colours


def changes(previous, current):
    """The colours that differ from what was stored: previous is {(kind, key): colour}."""
    return [
        (colour, previous.get((colour.item_kind, colour.item_key)))
        for colour in current
        if previous.get((colour.item_kind, colour.item_key)) != colour.colour
    ]
