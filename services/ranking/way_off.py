"""The way off the black list (如何脱离黑榜), as plain functions over the facts the
scorer reads: for one unit of the live ranking, the fewest of its still-open
matters that, done, lift it out of the bottom group of its group.

Each open matter (a target still due this period, a notice of the period not
answered, a commitment still due, a 13710 matter not closed) is a *step*: the
fact row it changes when done. A step's points are the unit's score with it
done, scored by logic.score_units as of the same day, minus the score without
it; a unit's score depends on its own facts only, so only its facts are scored
again and the other units keep theirs. Steps are taken greedily, the most
points first, until the unit is no longer in the bottom group (the lists drawn
by logic.red_and_bottom, as the black list is); a notice unanswered past its
deadline is answered first when the rules black-list it whatever the score.

Scored as of one day, a target or commitment due later in the period counts
as met on that day: the points are what the unit's standing today would gain.
Red items are counted for the whole period once red: turning one green does
not take it off this period's count, so a unit black-listed by its red items
cannot leave the list this period, and is told so.
"""
import dataclasses
import datetime as dt
import itertools

from . import logic

# What every answer says of how the points are counted.
BASIS = ("分值按今天的得分计算：每项事项视为今天按期完成后重新计分，与现在得分之差即为该项分值；"
         "尚未到期的目标、承诺按今天到期并完成计。")
NEXT_PERIOD = "需在下一期按期完成目标、按时答复督办单、减少红黄预警，才能避免再次列入黑榜。"


@dataclasses.dataclass
class Openings:
    """What a unit still has open in a period as of a day (repository.load_openings):

    - targets: [{task, seq, title, due_date, planned_percent, reported_on}] due
      from the as-of day
      to the period's end, not yet reached
    - notices: [{id, number, issued_on, ack_due, acknowledged_on, answer_due}]
      issued in the period, neither answered nor closed
    - commitments: [{id, task, step, promised_date}] due from the as-of day to the
      period's end, not fulfilled
    - clocks: [{code, title, clock_class, start_date}]: 13710 matters not closed
    """

    targets: list = dataclasses.field(default_factory=list)
    notices: list = dataclasses.field(default_factory=list)
    commitments: list = dataclasses.field(default_factory=list)
    clocks: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class _Step:
    kind: str
    item: dict
    field: str  # the Facts field it changes
    before: tuple | None  # the fact row it replaces (None: a row added)
    after: tuple
    forced: bool = False  # done whatever its points: it clears a black-listing


def find_way_off(unit, period, as_of, rules, facts, openings):
    """{unit, unit_name, group, on_black_list, in_bottom_group, reasons, score,
    line_score, actions: [{kind, text, items, points}], enough, projected_score,
    note, basis} for `unit` (a code) of the period scored as of `as_of`.
    None when the unit is not among the facts' units (not ranked by any group)."""
    row = next((u for u in facts.units if u["code"] == unit), None)
    if row is None:
        return None
    entries = logic.score_units(period, as_of, rules, facts)
    base = next(e for e in entries if e["unit"] == unit)
    answer = {"unit": unit, "unit_name": row["name"], "group": base["group"],
              "on_black_list": False, "in_bottom_group": False, "reasons": [],
              "score": base["score"], "line_score": None, "actions": [], "enough": True,
              "projected_score": base["score"], "basis": BASIS}
    if base["score"] is None:
        return {**answer, "note": logic.NO_DATA}
    standing = _standing(entries, rules, base)
    answer.update(on_black_list=standing["on_black_list"],
                  in_bottom_group=standing["in_bottom_group"],
                  reasons=standing["reasons"], line_score=standing["line_score"])
    if not standing["on_black_list"]:
        return {**answer, "note": "本单位目前不在黑榜，也不在组内末位。"}

    own = _own(facts, row)
    chosen, entry, standing = _greedy(period, as_of, rules, entries, own,
                                      _steps(unit, as_of, rules, openings))
    actions = _actions(chosen)
    reds = _red_items(facts.changes, unit)
    forced_by_reds = entry["red_items"] >= rules.black_list_red_items
    if forced_by_reds:
        actions.append({
            "kind": "reds", "points": 0.0, "items": reds,
            "text": f"处置红灯事项{len(reds)}项，使其转绿" if reds else "避免新的红色预警"})
    enough = not standing["in_bottom_group"] and not forced_by_reds and not (
        rules.black_list_unanswered_notice and entry["unanswered_notices"])
    return {**answer, "actions": actions, "enough": enough,
            "projected_score": entry["score"],
            "note": _note(rules, base, entry, answer["line_score"], actions, enough,
                          forced_by_reds)}


def _greedy(period, as_of, rules, entries, own, steps):
    """([(step, points)], the unit's entry and standing after them): the forced
    steps first, then the step of most points, until the unit leaves the bottom
    group or no step gains anything."""
    entry = _score(period, as_of, rules, own)
    chosen = []
    for step in [s for s in steps if s.forced]:
        own = _apply(own, step)
        after = _score(period, as_of, rules, own)
        chosen.append((step, round(after["score"] - entry["score"], 2)))
        entry = after
    remaining = [s for s in steps if not s.forced]
    standing = _standing(entries, rules, entry)
    while standing["in_bottom_group"] and remaining:
        best = None
        for step in remaining:
            trial = _apply(own, step)
            after = _score(period, as_of, rules, trial)
            gain = after["score"] - entry["score"]
            # Equal points: the step listed first (the earliest due) goes first.
            if best is None or gain > best[0] + 1e-9:
                best = (gain, step, trial, after)
        gain, step, own, after = best
        if gain <= 1e-9:
            break
        remaining.remove(step)
        chosen.append((step, round(after["score"] - entry["score"], 2)))
        entry = after
        standing = _standing(entries, rules, entry)
    return chosen, entry, standing


def _standing(entries, rules, entry):
    """Where `entry` (one unit's, scored again) stands among the others' of its
    group: {on_black_list, in_bottom_group, reasons, line_score}; line_score is
    the score of the lowest-ranked unit above the bottom group, the unit left
    out."""
    others = [e for e in entries if e["unit"] != entry["unit"]]
    ranked = logic.rank_groups([*others, entry], rules)[entry["group"]]
    _, bottom = logic.red_and_bottom(ranked["entries"], rules)
    bottom_units = {e["unit"] for e in bottom}
    above = [e for e in reversed(ranked["entries"]) if e["rank"] is not None
             and e["unit"] not in bottom_units and e["unit"] != entry["unit"]]
    listed = next((b for b in ranked["black_list"] if b["unit"] == entry["unit"]), None)
    return {"on_black_list": listed is not None,
            "in_bottom_group": entry["unit"] in bottom_units,
            "reasons": listed["reasons"] if listed else [],
            "line_score": above[0]["score"] if above else None}


def _score(period, as_of, rules, own):
    return logic.score_units(period, as_of, rules, own)[0]


def _own(facts, unit_row):
    """The facts of one unit only: its score depends on nothing else."""
    code = unit_row["code"]
    mine = {field.name: [row for row in getattr(facts, field.name) if row[0] == code]
            for field in dataclasses.fields(facts)
            if field.name not in ("units", "working")}
    return logic.Facts(units=[unit_row], working={code} & set(facts.working), **mine)


def _apply(facts, step):
    """The facts with `step` done: its row replaces the one it changes."""
    rows = list(getattr(facts, step.field))
    if step.before is not None and step.before in rows:
        rows.remove(step.before)
    rows.append(step.after)
    return dataclasses.replace(facts, **{step.field: rows})


def _steps(unit, as_of, rules, openings):
    """Every open matter of the unit as a step, earliest due first within each
    kind."""
    steps = []
    for target in openings.targets:
        due = target["due_date"]
        steps.append(_Step(
            "targets", {"task": target["task"], "seq": target["seq"],
                        "title": target["title"], "due_date": due.isoformat(),
                        "planned_percent": target["planned_percent"],
                        "label": f"{target['task']}{_title(target['title'])}"
                                 f"第{target['seq']}个目标：{_day(due)}前进度达到"
                                 f"{target['planned_percent']:g}%"},
            "targets", (unit, due, None, target["reported_on"]) if due <= as_of else None,
            (unit, min(due, as_of), as_of, target["reported_on"] or as_of)))
    for notice in openings.notices:
        name = notice["number"] or f"督办单{notice['id']}"
        before = (unit, notice["issued_on"], notice["ack_due"], notice["acknowledged_on"],
                  notice["answer_due"], None, None)
        steps.append(_Step(
            "notices", {"id": notice["id"], "number": notice["number"],
                        "answer_due": notice["answer_due"].isoformat(),
                        "acknowledged": notice["acknowledged_on"] is not None,
                        "label": f"{name}，{_day(notice['answer_due'])}前答复"
                                 + ("（已逾期）" if notice["answer_due"] < as_of else "")},
            "notices", before,
            (*before[:3], notice["acknowledged_on"] or as_of, notice["answer_due"], as_of, None),
            forced=rules.black_list_unanswered_notice and notice["answer_due"] < as_of))
    for commitment in openings.commitments:
        promised = commitment["promised_date"]
        where = f"{commitment['task']}，" if commitment["task"] else ""
        steps.append(_Step(
            "commitments", {"id": commitment["id"], "task": commitment["task"],
                            "step": commitment["step"], "promised_date": promised.isoformat(),
                            "label": f"{commitment['step'] or '承诺' + str(commitment['id'])}"
                                     f"（{where}{_day(promised)}前兑现）"},
            "commitments", (unit, promised, None) if promised <= as_of else None,
            (unit, min(promised, as_of), as_of)))
    for clock in openings.clocks:
        days = rules.clock_closing_days.get(clock["clock_class"],
                                            rules.clock_closing_days["general"])
        deadline = clock["start_date"] + dt.timedelta(days=days)
        if deadline < as_of:
            continue  # closed now it is late: it would count against the unit
        steps.append(_Step(
            "clocks", {"task": clock["code"], "title": clock["title"],
                       "deadline": deadline.isoformat(),
                       "label": f"{clock['code']}{_title(clock['title'])}，"
                                f"{_day(deadline)}前办结"},
            "clocks", (unit, clock["clock_class"], clock["start_date"], None),
            (unit, clock["clock_class"], clock["start_date"], as_of)))
    return steps


def _actions(chosen):
    """The chosen steps as actions: the targets as one action, each other matter
    its own; in the order chosen."""
    actions = []
    for kind, group in itertools.groupby(
            sorted(enumerate(chosen), key=lambda c: (c[1][0].kind != "targets", c[0])),
            key=lambda c: c[1][0].kind == "targets"):
        group = [c[1] for c in group]
        if kind:
            actions.append({"kind": "targets", "text": f"按期完成以下{len(group)}个目标",
                            "items": [step.item for step, _ in group],
                            "points": round(sum(points for _, points in group), 2)})
            continue
        for step, points in group:
            actions.append({"kind": step.kind, "text": _text(step), "items": [step.item],
                            "points": points})
    return actions


def _text(step):
    item = step.item
    if step.kind == "notices":
        name = item["number"] or f"督办单{item['id']}"
        return f"答复{name}" if item["acknowledged"] else f"签收并答复{name}"
    if step.kind == "commitments":
        return f"兑现承诺：{item['step'] or item['id']}"
    return f"办结13710事项{item['task']}{_title(item['title'])}"


def _red_items(changes, unit):
    """The unit's items red now (their last change red): [{item_kind, item_key,
    label}]."""
    red = []
    for (kind, key), rows in itertools.groupby(changes, key=lambda row: (row[1], row[2])):
        rows = list(rows)
        if rows[-1][0] == unit and rows[-1][4] == "red":
            red.append({"item_kind": kind, "item_key": key, "label": _red_label(kind, key)})
    return red


# The 13710 stages as the warnings service keys them (task@stage).
STAGE_NAMES = {"deployed": "部署", "first_feedback": "首次反馈", "closed": "办结"}


def _red_label(kind, key):
    """A red item's key as people read it: T1#2 (a target), T1@closed (a 13710
    stage), T1!7 (a commitment)."""
    if kind == "target" and "#" in key:
        task, seq = key.rsplit("#", 1)
        return f"{task}第{seq}个目标"
    if kind == "clock" and "@" in key:
        task, stage = key.rsplit("@", 1)
        return f"{task} 13710{STAGE_NAMES.get(stage, stage)}节点"
    if kind == "commitment" and "!" in key:
        task, commitment = key.rsplit("!", 1)
        return f"{task}承诺{commitment}"
    return key


def _note(rules, base, entry, line, actions, enough, forced_by_reds):
    """What the answer says in words; `line` is the score to pass as the unit
    stands now."""
    if forced_by_reds:
        return (f"本期红色预警已有{entry['red_items']}项"
                f"（达到{rules.black_list_red_items}项即列入黑榜），"
                "已计入的红色预警本期内转绿也不减少项数，本期剩余事项不足以脱离黑榜；"
                "请尽快处置仍为红色的事项。" + NEXT_PERIOD)
    if enough:
        count = sum(len(a["items"]) for a in actions)
        return (f"完成以上{count}项后预计得{entry['score']:g}分"
                f"（现{base['score']:g}分），" +
                (f"超过黑榜线（{line:g}分），" if line is not None else "") + "可脱离黑榜。")
    return ("本期剩余事项不足以脱离黑榜：" +
            (f"全部完成后预计得{entry['score']:g}分，" if actions else "本期已无可完成的事项，") +
            (f"仍未超过黑榜线（{line:g}分）；" if line is not None else "") + NEXT_PERIOD)


def _title(title):
    return f"《{title}》" if title else ""


def _day(day):
    return f"{day.year}年{day.month}月{day.day}日"
