"""The ranking rules (评价排队), as plain functions over plain data (no nameko, no
database), so they are tested with nothing but pytest.

A period's score is computed from what happened in it, as of a day inside it:
`facts` (see `Facts`) are what the repository read for the period, and
`score_units` turns them into one scored entry per unit, each with its breakdown.
`rank_groups` ranks the units of each group and draws the red and black lists.
"""
import calendar
import dataclasses
import datetime as dt
import itertools
import math
import re

from .exceptions import InvalidInput

PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$")
PERIOD_KINDS = ("month", "quarter", "half", "year")
CLOCK_CLASSES = ("important", "general", "complex")
INDICATORS = ("on_time", "warnings", "clocks", "commitments", "notices", "reports",
              "evaluations")
LABELS = {
    "on_time": "目标按期完成率", "warnings": "预警扣分", "clocks": "13710办结率",
    "commitments": "承诺兑现率", "notices": "督办单按时签收答复率",
    "reports": "月度报送及时率", "evaluations": "牵头单位评价",
}
RETURN_KINDS = {"closure": "销号", "clock_stage": "13710节点", "commitment": "承诺兑现"}
TIE_BREAK = "得分相同时，红色预警少者在前；再相同，目标按期完成率高者在前；再相同，按单位代码排序。"
NO_DATA = "本期无考核事项，不参与排名"
# The rule every ranking states in its breakdowns, so that a unit reads why it is
# (or is not) ranked.
TAKING_PART = ("本期有在办任务、目标、13710事项或承诺的单位均参与排名，"
               "各项指标按本期涉及的事项计分，未涉及的指标不计分；"
               "本期无黄、红色预警的，预警扣分项得满分。"
               "本期无考核事项的单位列在最后，不排名次。")
CHINESE_QUARTERS = "一二三四"


# Periods ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Period:
    """A ranking period: "2026-Q4" (quarter), "2026-11" (month), "2026-H2" (half
    year) or "2026" (year), from `start` to `end`, both days included."""

    key: str
    kind: str
    start: dt.date
    end: dt.date

    @property
    def days(self):
        return (self.end - self.start).days + 1

    @property
    def label(self):
        year = self.start.year
        if self.kind == "quarter":
            return f"{year}年第{CHINESE_QUARTERS[(self.start.month - 1) // 3]}季度"
        if self.kind == "half":
            return f"{year}年{'上' if self.start.month == 1 else '下'}半年"
        if self.kind == "month":
            return f"{year}年{self.start.month}月"
        return f"{year}年度"

    def contains(self, day):
        return self.start <= day <= self.end

    def previous(self):
        """The period of the same kind just before this one."""
        return period_of(self.start - dt.timedelta(days=1), self.kind)

    def as_of(self, today):
        """The day the period is judged as of: today while it runs, its last day
        once it ended. InvalidInput for a period that has not begun."""
        if today < self.start:
            raise InvalidInput({"period": f"{self.key} has not begun"})
        return min(today, self.end)


def parse_period(text):
    """The Period a text names. InvalidInput for anything else."""
    match = PERIOD.match(text) if isinstance(text, str) else None
    if not match:
        raise InvalidInput({"period": "a period like 2026-Q4, 2026-H2, 2026-11 or 2026"})
    year, part = int(match.group(1)), match.group(2)
    if year < 2000:
        raise InvalidInput({"period": "a year from 2000 on"})
    if part is None:
        return Period(text, "year", dt.date(year, 1, 1), dt.date(year, 12, 31))
    if part.startswith("Q"):
        first = 3 * (int(part[1]) - 1) + 1
        return Period(text, "quarter", dt.date(year, first, 1), month_end(year, first + 2))
    if part.startswith("H"):
        first = 1 if part == "H1" else 7
        return Period(text, "half", dt.date(year, first, 1), month_end(year, first + 5))
    month = int(part)
    return Period(text, "month", dt.date(year, month, 1), month_end(year, month))


def period_of(day, kind):
    """The period of `kind` that `day` falls in."""
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if kind == "half":
        return parse_period(f"{day.year}-H{1 if day.month <= 6 else 2}")
    if kind == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    return parse_period(str(day.year))


def drafting_day(ended, calendar):
    """The day an ended period's ranking is drafted: the first working day after
    its last day, when its last reports and the evaluation of its last day are in
    and the office is at work to approve it."""
    return calendar.working_day_on_or_after(ended.end + dt.timedelta(days=1))


def month_end(year, month):
    return dt.date(year, month, calendar.monthrange(year, month)[1])


# The score rules, as data ----------------------------------------------------

DEFAULT_WEIGHTS = {"on_time": 30, "warnings": 20, "clocks": 10, "commitments": 10,
                   "notices": 10, "reports": 10, "evaluations": 10}
DEFAULT_GROUPS = (
    {"key": "county", "label": "县（市、区）", "kinds": ["county"], "units": []},
    {"key": "department", "label": "市直部门", "kinds": ["department"], "units": []},
)


@dataclasses.dataclass(frozen=True)
class ScoreRules:
    """How a unit's score is made and how the lists are drawn; stored as versioned
    data the office edits, and the version is kept with every frozen ranking.

    - period_kind: the period the live view and the automatic drafts use.
    - weights: {indicator: weight}; a unit's score is the weighted mean of the
      indicators it has data for (0–100 each), so a unit is never marked down for
      having no commitments or no notices.
    - yellow_weight / red_weight and warning_deduction: every yellow or red item of
      the unit (target, 13710 stage, commitment) weighs by its colour and by the
      share of the period it lasted; warning_deduction points are taken off 100 for
      each red-weight-1 item lasting the whole period.
    - report_grace_days: a target counts as reported on time when a report on its
      task arrived from 30 days before its due date to this many days after.
    - clock_closing_days: {13710 class: calendar days from assignment to closing}.
    - red_list_size, black_list_size: the top / bottom of each group drawn.
    - black_list_red_items: this many red items in the period put a unit on the
      black list whatever its rank; black_list_unanswered_notice: so does a notice
      left unanswered past its deadline.
    - extension_approved_deduction / extension_refused_deduction: points taken
      off the unit's score for each extension of its tasks the office approved
      (in full or shortened) / refused in the period: asking for time is
      allowed, but a unit that keeps needing it ranks below one that does not.
    - return_deduction: points taken off a unit's score for each of its steps
      (销号, 13710 stage, kept commitment) the office sent back on checking
      (复核退回) in the period; a score never falls below 0.
    - groups: [{key, label, kinds, units}]: a unit belongs to the first group naming
      its code in `units`, else to the first naming its kind in `kinds`; units of
      no group are not ranked (the supervision office itself, by default).
    """

    version: int = 1
    period_kind: str = "quarter"
    weights: dict = dataclasses.field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    yellow_weight: float = 1.0
    red_weight: float = 3.0
    warning_deduction: float = 10.0
    report_grace_days: int = 7
    clock_closing_days: dict = dataclasses.field(
        default_factory=lambda: {"important": 10, "general": 10, "complex": 31})
    red_list_size: int = 3
    black_list_size: int = 3
    black_list_red_items: int = 3
    black_list_unanswered_notice: bool = True
    extension_approved_deduction: float = 2.0
    extension_refused_deduction: float = 0.0
    return_deduction: float = 2.0
    groups: list = dataclasses.field(
        default_factory=lambda: [dict(group, kinds=list(group["kinds"]), units=[])
                                 for group in DEFAULT_GROUPS])

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data):
        """Rules from stored or submitted data, every field checked: InvalidInput
        naming each wrong field. Unknown fields are refused too, so a typo is
        never silently ignored."""
        fields = {field.name for field in dataclasses.fields(cls)}
        problems = {key: "not a rule field" for key in data if key not in fields}
        values = {**cls().to_dict(), **{k: v for k, v in data.items() if k in fields}}
        checks = {
            "version": lambda v: _whole(v, 1),
            "period_kind": lambda v: (None if v in PERIOD_KINDS
                                      else f"one of {', '.join(PERIOD_KINDS)}"),
            "weights": _check_weights,
            "yellow_weight": lambda v: _number(v, 0, 100),
            "red_weight": lambda v: _number(v, 0, 100),
            "warning_deduction": lambda v: _number(v, 0, 100),
            "report_grace_days": lambda v: _whole(v, 0, 60),
            "clock_closing_days": _check_clock_days,
            "red_list_size": lambda v: _whole(v, 0, 50),
            "black_list_size": lambda v: _whole(v, 0, 50),
            "black_list_red_items": lambda v: _whole(v, 1, 10_000),
            "black_list_unanswered_notice": lambda v: (None if isinstance(v, bool)
                                                       else "true or false"),
            "return_deduction": lambda v: _number(v, 0, 100),
            "groups": _check_groups,
            "extension_approved_deduction": lambda v: _number(v, 0, 100),
            "extension_refused_deduction": lambda v: _number(v, 0, 100),
        }
        for key, check in checks.items():
            problem = check(values[key])
            if problem:
                problems[key] = problem
        if problems:
            raise InvalidInput(problems)
        return cls(**values)

    def group_of(self, unit):
        """The key of the group `unit` ({code, kind}) ranks in, or None."""
        for group in self.groups:
            if unit["code"] in group["units"]:
                return group["key"]
        for group in self.groups:
            if unit["kind"] in group["kinds"]:
                return group["key"]
        return None

    def group(self, key):
        """The group {key, label, kinds, units} of a key; InvalidInput if none."""
        for group in self.groups:
            if group["key"] == key:
                return group
        raise InvalidInput({"group": f"one of {', '.join(g['key'] for g in self.groups)}"})


def _number(value, low, high):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "a number"
    if not low <= value <= high:
        return f"from {low} to {high}"
    return None


def _whole(value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, int):
        return "a whole number"
    if value < low or (high is not None and value > high):
        return f"from {low} to {high}" if high is not None else f"at least {low}"
    return None


def _check_weights(weights):
    if not isinstance(weights, dict) or set(weights) != set(INDICATORS):
        return f"an object with exactly these keys: {', '.join(INDICATORS)}"
    for value in weights.values():
        if _number(value, 0, 1000):
            return "each weight a number from 0 to 1000"
    if not sum(weights.values()):
        return "at least one weight above 0"
    return None


def _check_clock_days(days):
    if not isinstance(days, dict) or set(days) != set(CLOCK_CLASSES):
        return f"an object with exactly these keys: {', '.join(CLOCK_CLASSES)}"
    if any(_whole(value, 1, 366) for value in days.values()):
        return "each a whole number of days from 1 to 366"
    return None


def _check_groups(groups):
    if not isinstance(groups, list) or not groups:
        return "a list of at least one group"
    keys = set()
    for group in groups:
        if not isinstance(group, dict) or set(group) != {"key", "label", "kinds", "units"}:
            return "each group is {key, label, kinds, units}"
        key, label = group["key"], group["label"]
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", key):
            return "each key lower-case letters, digits, - or _ (at most 32)"
        if key in keys:
            return f"the key {key} is used twice"
        keys.add(key)
        if not isinstance(label, str) or not label.strip() or len(label) > 50:
            return "each label a text of 1–50 characters"
        for name in ("kinds", "units"):
            values = group[name]
            if not isinstance(values, list) or not all(
                    isinstance(value, str) and 0 < len(value) <= 32 for value in values):
                return f"each group's {name} a list of codes"
    return None


# Scores ----------------------------------------------------------------------

@dataclasses.dataclass
class Facts:
    """What happened in a period, read for scoring (all days are dates):

    - units: [{code, name, kind}]
    - targets: [(unit, due_date, reached_on, reported_on)]: the targets due in the
      period, with the first day their task's reported percentage reached the plan
      and the first day a report on their task arrived from 30 days before the due
      date on (None: not yet)
    - changes: [(unit, item_kind, item_key, day, colour)]: colour changes of items
      up to the as-of day, each item's last change before the period included,
      ordered by item then day then decision
    - clocks: [(unit, clock_class, assigned_on, closed_on)]: 13710 matters of the unit
    - commitments: [(unit, promised_date, fulfilled_on)] promised in the period
    - notices: [(unit, issued_on, ack_due, acknowledged_on, answer_due, answered_on,
      closed_on)] issued in the period
    - evaluations: [(unit, lead_unit, score)] given for the period
    - extensions: [(unit, decided_on, outcome)]: the office's decisions on the
      unit's extension requests in the period (approved, shortened, refused)
    - returns: [(unit, kind, day)]: the unit's steps the office sent back on
      checking (复核退回) in the period, up to the as-of day
    - working: the codes of the units with work in the period: an active task
      begun by the as-of day, or a target or commitment falling due in the period
      (later in it included). Such a unit is ranked even before anything of its
      work has fallen due: with no warning, its warnings score is full marks.
    """

    units: list
    targets: list = dataclasses.field(default_factory=list)
    changes: list = dataclasses.field(default_factory=list)
    clocks: list = dataclasses.field(default_factory=list)
    commitments: list = dataclasses.field(default_factory=list)
    notices: list = dataclasses.field(default_factory=list)
    evaluations: list = dataclasses.field(default_factory=list)
    extensions: list = dataclasses.field(default_factory=list)
    working: set = dataclasses.field(default_factory=set)
    returns: list = dataclasses.field(default_factory=list)


def score_units(period, as_of, rules, facts):
    """One entry per unit of a group: {unit, name, group, score (None: no data),
    red_items, unanswered_notices, on_time, breakdown: {indicators: [{key, label,
    weight, score, detail}]}}. `as_of` is a day inside the period."""
    tallies = {unit["code"]: _Tally() for unit in facts.units}

    for unit, due_date, reached_on, reported_on in facts.targets:
        tally = tallies.get(unit)
        if tally is None or due_date > as_of:
            continue
        tally.targets += 1
        tally.targets_met += reached_on is not None and reached_on <= due_date
        tally.reported += (reported_on is not None
                           and reported_on <= due_date + dt.timedelta(days=rules.report_grace_days))

    for unit, item, spells in _spells(facts.changes, period.start, as_of):
        tally = tallies.get(unit)
        if tally is None:
            continue
        for colour, days in spells:
            if colour == "red":
                tally.red_days += days
                tally.red_items.add(item)
            elif colour == "yellow":
                tally.yellow_days += days
                tally.yellow_items.add(item)

    for unit, clock_class, assigned_on, closed_on in facts.clocks:
        tally = tallies.get(unit)
        if tally is None or assigned_on > as_of:
            continue
        deadline = assigned_on + dt.timedelta(
            days=rules.clock_closing_days.get(clock_class, rules.clock_closing_days["general"]))
        closed_in_period = closed_on is not None and period.start <= closed_on <= as_of
        if closed_in_period or period.start <= deadline <= as_of:
            tally.clocks += 1
            tally.clocks_in_time += closed_on is not None and closed_on <= min(deadline, as_of)

    for unit, promised_date, fulfilled_on in facts.commitments:
        tally = tallies.get(unit)
        if tally is None or promised_date > as_of:
            continue
        tally.commitments += 1
        tally.commitments_kept += fulfilled_on is not None and fulfilled_on <= promised_date

    for (unit, issued_on, ack_due, acknowledged_on, answer_due, answered_on,
         closed_on) in facts.notices:
        tally = tallies.get(unit)
        if tally is None or issued_on > as_of:
            continue
        acknowledged = acknowledged_on is not None and acknowledged_on <= as_of
        answered = answered_on is not None and answered_on <= as_of
        closed = closed_on is not None and closed_on <= as_of
        if acknowledged or ack_due < as_of:
            tally.notice_steps += 1
            tally.notice_steps_in_time += acknowledged and acknowledged_on <= ack_due
        if answered or answer_due < as_of:
            tally.notice_steps += 1
            tally.notice_steps_in_time += answered and answered_on <= answer_due
        if not answered and not closed and answer_due < as_of:
            tally.unanswered += 1

    for unit, _lead_unit, value in facts.evaluations:
        tally = tallies.get(unit)
        if tally is not None:
            tally.evaluations.append(value)

    for unit, decided_on, outcome in facts.extensions:
        tally = tallies.get(unit)
        if tally is None or decided_on > as_of or decided_on < period.start:
            continue
        if outcome == "refused":
            tally.extensions_refused += 1
        else:
            tally.extensions_approved += 1

    for unit in facts.working:
        tally = tallies.get(unit)
        if tally is not None:
            tally.working = True

    for unit, kind, day in facts.returns:
        tally = tallies.get(unit)
        if tally is not None and period.start <= day <= as_of:
            tally.returns[kind] = tally.returns.get(kind, 0) + 1

    entries = []
    for unit in facts.units:
        tally = tallies[unit["code"]]
        indicators = _indicators(tally, rules, period)
        scored = [i for i in indicators if i["score"] is not None and i["weight"] > 0]
        weight = sum(i["weight"] for i in scored)
        score = round(sum(i["weight"] * i["score"] for i in scored) / weight, 2) if weight else None
        deductions = _deductions(tally, rules) + return_deductions(tally.returns, rules)
        if score is not None and deductions:
            score = round(max(0.0, score - sum(d["points"] for d in deductions)), 2)
        on_time = indicators[0]["score"]
        entries.append({
            "unit": unit["code"], "name": unit["name"], "group": rules.group_of(unit),
            "score": score, "red_items": len(tally.red_items),
            "unanswered_notices": tally.unanswered, "on_time": on_time,
            "breakdown": {"indicators": indicators,
                          "deductions": deductions,
                          "note": None if score is not None else NO_DATA,
                          "rules": TAKING_PART},
        })
    return entries


@dataclasses.dataclass
class _Tally:
    targets: int = 0
    targets_met: int = 0
    reported: int = 0
    red_days: int = 0
    yellow_days: int = 0
    red_items: set = dataclasses.field(default_factory=set)
    yellow_items: set = dataclasses.field(default_factory=set)
    clocks: int = 0
    clocks_in_time: int = 0
    commitments: int = 0
    commitments_kept: int = 0
    notice_steps: int = 0
    notice_steps_in_time: int = 0
    unanswered: int = 0
    evaluations: list = dataclasses.field(default_factory=list)
    extensions_approved: int = 0
    extensions_refused: int = 0
    working: bool = False
    returns: dict = dataclasses.field(default_factory=dict)  # {kind: sent back}

    def has_work(self):
        """Whether the unit had anything to answer for in the period: work under
        way, or something fallen due, coloured or noticed."""
        return bool(self.working or self.targets or self.clocks or self.commitments
                    or self.notice_steps or self.red_items or self.yellow_items
                    or self.returns)


def return_deductions(returns, rules):
    """The deductions of a unit's steps sent back on checking ({kind: count}):
    [{key, label, count, points, detail}], empty when none was (or the rule is 0)."""
    count = sum(returns.values())
    if not count or not rules.return_deduction:
        return []
    parts = "、".join(f"{RETURN_KINDS.get(kind, kind)}{number}次"
                     for kind, number in sorted(returns.items(),
                                                key=lambda item: list(RETURN_KINDS).index(
                                                    item[0]) if item[0] in RETURN_KINDS
                                                else len(RETURN_KINDS)))
    points = round(rules.return_deduction * count, 2)
    return [{"key": "returned", "label": "复核退回扣分", "count": count, "points": points,
             "detail": f"本期申请事项经督查办复核被退回{count}次（{parts}），"
                       f"每次扣{rules.return_deduction:g}分，共扣{points:g}分"}]


def _deductions(tally, rules):
    """The points taken off a unit's weighted score for the extensions it needed:
    [{key, label, count, points, detail}], only those that take anything off."""
    found = []
    for key, label, count, each in (
            ("extensions_approved", "批准延期", tally.extensions_approved,
             rules.extension_approved_deduction),
            ("extensions_refused", "延期申请未批准", tally.extensions_refused,
             rules.extension_refused_deduction)):
        points = round(count * each, 2)
        if points:
            found.append({"key": key, "label": label, "count": count, "points": points,
                          "detail": f"本期{label}{count}次，每次扣{each:g}分，共扣{points:g}分"})
    return found


def _rate(done, total):
    return round(100 * done / total, 2) if total else None


def _indicators(tally, rules, period):
    load = ((rules.red_weight * tally.red_days + rules.yellow_weight * tally.yellow_days)
            / period.days)
    warnings = (round(max(0.0, 100 - rules.warning_deduction * load), 2)
                if tally.has_work() else None)
    evaluation = (round(sum(tally.evaluations) / len(tally.evaluations), 2)
                  if tally.evaluations else None)
    values = {
        "on_time": (_rate(tally.targets_met, tally.targets),
                    f"本期到期目标{tally.targets}个，按期完成{tally.targets_met}个"),
        "warnings": (warnings,
                     f"红色预警{len(tally.red_items)}项累计{tally.red_days}天，"
                     f"黄色预警{len(tally.yellow_items)}项累计{tally.yellow_days}天，"
                     f"折合扣{round(rules.warning_deduction * load, 2)}分"),
        "clocks": (_rate(tally.clocks_in_time, tally.clocks),
                   f"13710事项应办结{tally.clocks}件，按时办结{tally.clocks_in_time}件"),
        "commitments": (_rate(tally.commitments_kept, tally.commitments),
                        f"到期承诺{tally.commitments}项，按时兑现{tally.commitments_kept}项"),
        "notices": (_rate(tally.notice_steps_in_time, tally.notice_steps),
                    f"督办单应签收答复{tally.notice_steps}次，按时{tally.notice_steps_in_time}次"
                    + (f"，逾期未答复{tally.unanswered}件" if tally.unanswered else "")),
        "reports": (_rate(tally.reported, tally.targets),
                    f"应报送{tally.targets}次，按时报送{tally.reported}次"),
        "evaluations": (evaluation,
                        f"{len(tally.evaluations)}家牵头单位评价，平均{evaluation}分"
                        if tally.evaluations else "无牵头单位评价"),
    }
    return [{"key": key, "label": LABELS[key], "weight": rules.weights[key],
             "score": values[key][0], "detail": values[key][1]} for key in INDICATORS]


def _spells(changes, start, as_of):
    """(unit, item, [(colour, days)]) per item, from its changes ordered by item
    then day: a colour lasts from its day to the next change, counted only inside
    [start, as_of]; spells of no day are left out."""
    end = as_of + dt.timedelta(days=1)
    for (kind, key), rows in itertools.groupby(changes, key=lambda row: (row[1], row[2])):
        rows = list(rows)
        spells = []
        for (_, _, _, day, colour), following in zip(rows, [*rows[1:], None], strict=True):
            until = end if following is None else min(following[3], end)
            days = (until - max(day, start)).days
            if days > 0:
                spells.append((colour, days))
        if spells:
            yield rows[-1][0], (kind, key), spells


# Ranks and lists ---------------------------------------------------------------

def order_key(entry):
    """The stated order: score, then fewer red items, then on-time rate, then
    unit code; units with no score come last."""
    if entry["score"] is None:
        return (1, 0, 0, 0, entry["unit"])
    return (0, -entry["score"], entry["red_items"], -(entry["on_time"] or 0), entry["unit"])


def rank_groups(entries, rules, previous=None):
    """{group key: {group, label, entries, red_list, black_list}} from scored
    entries. `previous` is {unit: rank} of the period before (or None): each entry
    gets previous_rank and rank_change (positive: moved up)."""
    previous = previous or {}
    ranked = {}
    for group in rules.groups:
        members = sorted((e for e in entries if e["group"] == group["key"]), key=order_key)
        rank = 0
        out = []
        for entry in members:
            if entry["score"] is not None:
                rank += 1
            before = previous.get(entry["unit"])
            this = rank if entry["score"] is not None else None
            out.append({**entry, "rank": this, "previous_rank": before,
                        "rank_change": before - this if before and this else None})
        ranked[group["key"]] = {"group": group["key"], "label": group["label"],
                                "entries": out, **draw_lists(out, rules)}
    return ranked


def red_and_bottom(entries, rules):
    """(red list, bottom group) of one ranked group's entries: the best
    `red_list_size` ranked units with no red item and no notice unanswered, best
    first, and the lowest `black_list_size` ranked units not on the red list,
    worst first."""
    ranked = [e for e in entries if e["rank"] is not None]
    red = [e for e in ranked if e["red_items"] == 0 and not e["unanswered_notices"]]
    red = red[:rules.red_list_size]
    red_units = {e["unit"] for e in red}
    bottom = [e for e in reversed(ranked) if e["unit"] not in red_units][:rules.black_list_size]
    return red, bottom


def draw_lists(entries, rules):
    """The red list (红榜) and black list (黑榜) of one ranked group:
    {"red_list": [...], "black_list": [...]}, each [{unit, name, reasons}].

    - red list: the best `red_list_size` ranked units with no red item in the
      period and no notice left unanswered, best first;
    - black list: the lowest `black_list_size` ranked units not on the red list,
      plus any unit with `black_list_red_items` red items or more, plus (when the
      rule says so) any unit with a notice unanswered past its deadline; each
      once, with every reason, worst first.
    """
    ranked = [e for e in entries if e["rank"] is not None]
    red, bottom = red_and_bottom(entries, rules)
    bottom_units = {e["unit"] for e in bottom}
    count = len(ranked)
    black = []
    for entry in sorted(entries, key=order_key, reverse=True):
        reasons = []
        if entry["unit"] in bottom_units:
            reasons.append(f"组内倒数第{count - entry['rank'] + 1}名"
                           f"（第{entry['rank']}名，共{count}名）")
        if entry["red_items"] >= rules.black_list_red_items:
            reasons.append(f"本期红色预警{entry['red_items']}项")
        if rules.black_list_unanswered_notice and entry["unanswered_notices"]:
            reasons.append(f"督办单逾期未答复{entry['unanswered_notices']}件")
        if reasons:
            black.append({"unit": entry["unit"], "name": entry["name"], "reasons": reasons})
    return {
        "red_list": [{"unit": e["unit"], "name": e["name"],
                      "reasons": [f"第{e['rank']}名，{e['score']}分，本期无红色预警"]}
                     for e in red],
        "black_list": black,
    }


def ranks_of(ranked):
    """{unit: rank} over every group of a ranking."""
    return {entry["unit"]: entry["rank"] for group in ranked.values()
            for entry in group["entries"] if entry["rank"] is not None}


def movers(now, then, limit=5):
    """The units whose rank moved between two {unit: (group, rank, name)}
    standings, biggest moves first: [{unit, name, group, rank, previous_rank,
    rank_change}] (positive: moved up)."""
    moved = []
    for unit, (group, rank, name) in now.items():
        before = then.get(unit)
        if before and before[0] == group and before[1] != rank:
            moved.append({"unit": unit, "name": name, "group": group, "rank": rank,
                          "previous_rank": before[1], "rank_change": before[1] - rank})
    moved.sort(key=lambda m: (-abs(m["rank_change"]), m["group"], m["rank"]))
    return moved[:limit] if limit else moved


def naive_utc(moment):
    """A moment as the naive UTC the tables keep."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


# Roles that read a ranking whole before it is published: the office drafts
# and approves it, leaders read it to decide.
WHOLE_RANKING_ROLES = ("admin", "leader")


def visible_ranking(ranked, status, caller):
    """What `caller` may read of one group's ranking ({entries, red_list,
    black_list}) whose status is `status`.

    Published, it is everyone's. Before, the office and leaders read it whole;
    anyone else reads only the entries of its own units, with no lists: the
    other units' scores, ranks, red items and unanswered notices would let a
    unit work out the black list before it is approved.
    """
    caller = caller or {}
    if status == "published" or caller.get("role") in WHOLE_RANKING_ROLES:
        return ranked
    own = set(caller.get("units") or ())
    return {"entries": [entry for entry in ranked["entries"] if entry["unit"] in own],
            "red_list": None, "black_list": None}


def visible_evaluations_filter(caller):
    """Whose evaluations `caller` may read: None for all (the office), else the
    lead units whose evaluations it gave (an evaluator's own units). A lead
    unit's evaluation, its comment and its evaluator are for the office and
    the evaluator only; other callers get an empty set."""
    caller = caller or {}
    if caller.get("role") == "admin":
        return None
    if caller.get("role") == "evaluator":
        return set(caller.get("units") or ())
    return set()


def busy_gap(minimum, last_scoring_took, share):
    """The gap between scorings under a flood: at least `minimum`, and long enough
    that scoring takes at most 1/`share` of the time (a city's scoring under load
    takes a second or two of the core the event handlers need)."""
    return max(minimum, last_scoring_took * share)


def quiet_after(minimum, last_scoring_took):
    """How long without an event ends a flood: `minimum`, or as long as the last
    scoring took when longer. An import sent in chunks pauses between them for
    about a second; each pause taken for the end scored the city again (a second
    or more of a core at its scale, 40% of the ranking's time in such an import)."""
    return max(minimum, last_scoring_took)


def flooding(last_applied_at, now, quiet):
    """Whether events are still being applied: the last one within `quiet` of
    `now` (naive UTC moments; None when none was ever applied)."""
    return last_applied_at is not None and now - last_applied_at < quiet


def scoring_gap(last_applied_at, now, busy_gap, quiet):
    """How long after their last scoring stale standings wait to be scored again
    (timedeltas): `busy_gap` while events are still being applied (a flood, whose
    scorings would take the core its handlers need), none once they have
    stopped, so that the end of a county's batch or an import is on the screen
    within a tick, not a gap, after it."""
    return busy_gap if flooding(last_applied_at, now, quiet) else dt.timedelta(0)
