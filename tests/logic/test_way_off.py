"""The way off the black list: for a unit in the bottom group, the fewest open
matters that lift it out, each with the points the scorer gives it."""
import datetime as dt

from services.ranking import logic, way_off

D = dt.date
Q4 = logic.parse_period("2026-Q4")
TODAY = D(2026, 11, 20)
RULES = logic.ScoreRules(red_list_size=1, black_list_size=1)
NAMES = {"A": "甲局", "B": "乙局", "C": "丙局", "D": "丁局", "E": "戊局"}


def targets(unit, met, total):
    """`total` targets due on 15 October, `met` of them reached on time, all
    reported on time."""
    return [(unit, D(2026, 10, 15), D(2026, 10, 10) if n < met else None, D(2026, 10, 15))
            for n in range(total)]


def city(**extra):
    """Five departments: A, B, C met every target (100), D met 3 of 5 (80), E 2 of
    4 (75): E is the bottom group (black_list_size 1), D is just above the line."""
    rows = [*targets("A", 2, 2), *targets("B", 2, 2), *targets("C", 2, 2),
            *targets("D", 3, 5), *targets("E", 2, 4)]
    facts = logic.Facts(units=[{"code": c, "name": n, "kind": "department"}
                               for c, n in NAMES.items()],
                        targets=rows, working=set(NAMES))
    for key, value in extra.items():
        setattr(facts, key, [*getattr(facts, key), *value])
    return facts


def future_targets(count, task="T2026-009"):
    return [{"task": task, "seq": n + 1, "title": "老旧小区改造", "due_date": D(2026, 12, 1 + n),
             "planned_percent": 25.0 * (n + 1), "reported_on": None} for n in range(count)]


def find(unit, facts, openings=None, rules=RULES):
    return way_off.find_way_off(unit, Q4, TODAY, rules, facts,
                                openings or way_off.Openings())


def scores(facts, rules=RULES):
    return {e["unit"]: e["score"] for e in logic.score_units(Q4, TODAY, rules, facts)}


def test_a_unit_just_below_the_line_gets_the_fewest_targets_that_lift_it():
    facts = city()
    assert scores(facts) == {"A": 100.0, "B": 100.0, "C": 100.0, "D": 80.0, "E": 75.0}
    found = find("E", facts, way_off.Openings(targets=future_targets(4)))

    assert found["on_black_list"] and found["in_bottom_group"]
    assert found["score"] == 75.0 and found["line_score"] == 80.0
    # One target ties D at 80, and the tie-break (unit code) keeps E below: two
    # are needed, the two earliest due, of the four it has.
    [action] = found["actions"]
    assert action["kind"] == "targets" and action["text"] == "按期完成以下2个目标"
    assert [item["seq"] for item in action["items"]] == [1, 2]
    assert action["items"][0]["label"] == (
        "T2026-009《老旧小区改造》第1个目标：2026年12月1日前进度达到25%")
    assert found["enough"] is True
    assert found["projected_score"] == 83.34 > found["line_score"]
    assert action["points"] == round(found["projected_score"] - found["score"], 2)
    assert found["note"] == "完成以上2项后预计得83.34分（现75分），超过黑榜线（80分），可脱离黑榜。"


def test_the_points_are_the_scorers_and_add_up_to_crossing_the_line():
    """A commitment due later counts as kept today: its points are the score
    with it kept minus the score without, by logic.score_units."""
    facts = city()
    commitment = {"id": 7, "task": "T2026-009", "step": "完成拆迁签约",
                  "promised_date": D(2026, 12, 5)}
    found = find("E", facts, way_off.Openings(targets=future_targets(1),
                                              commitments=[commitment]))
    kept = scores(city(commitments=[("E", TODAY, TODAY)]))["E"]
    both = scores(city(commitments=[("E", TODAY, TODAY)],
                       targets=[("E", TODAY, TODAY, TODAY)]))["E"]
    assert kept - 75.0 < 5.0  # the target (75 → 80) gains more: it goes first

    assert [a["kind"] for a in found["actions"]] == ["targets", "commitments"]
    target, kept_action = found["actions"]
    assert target["points"] == 5.0
    assert kept_action["text"] == "兑现承诺：完成拆迁签约"
    assert kept_action["points"] == round(both - 80.0, 2)
    assert found["projected_score"] == both > found["line_score"]
    assert round(sum(a["points"] for a in found["actions"]), 2) == round(both - 75.0, 2)
    assert found["enough"] is True


def test_a_unit_black_listed_by_its_red_items_is_shown_them_and_told_it_cannot_leave():
    red = [("C", "target", "T2026-001#1", D(2026, 10, 20), "red"),
           ("C", "clock", "T2026-002@closed", D(2026, 10, 20), "red"),
           ("C", "commitment", "T2026-003!7", D(2026, 10, 20), "red")]
    greened = [("C", "target", "T2026-001#1", D(2026, 11, 1), "green")]
    facts = city(changes=sorted([*red, *greened], key=lambda r: (r[1], r[2], r[3])))
    found = find("C", facts)

    assert found["on_black_list"] and not found["in_bottom_group"]
    assert found["reasons"] == ["本期红色预警3项"]
    [reds] = found["actions"]
    assert reds["kind"] == "reds" and reds["points"] == 0.0
    # The two still red are to be cleared; the one turned green is not listed.
    assert [item["item_key"] for item in reds["items"]] == ["T2026-002@closed",
                                                            "T2026-003!7"]
    assert [item["label"] for item in reds["items"]] == ["T2026-002 13710办结节点",
                                                         "T2026-003承诺7"]
    assert found["enough"] is False
    assert "本期剩余事项不足以脱离黑榜" in found["note"]


def test_a_notice_unanswered_past_its_deadline_is_answered_first():
    notice = ("D", D(2026, 11, 2), D(2026, 11, 4), D(2026, 11, 3), D(2026, 11, 10), None, None)
    facts = city(notices=[notice])
    found = find("D", facts, way_off.Openings(notices=[{
        "id": 12, "number": "督办〔2026〕12号", "issued_on": D(2026, 11, 2),
        "ack_due": D(2026, 11, 4), "acknowledged_on": D(2026, 11, 3),
        "answer_due": D(2026, 11, 10)}]))

    assert found["on_black_list"] and "督办单逾期未答复1件" in found["reasons"]
    [answer] = found["actions"]
    assert answer["kind"] == "notices" and answer["text"] == "答复督办〔2026〕12号"
    assert answer["items"][0]["label"] == "督办〔2026〕12号，2026年11月10日前答复（已逾期）"
    # Answered late, the step still counts as late: no points, but the
    # black-listing it caused is lifted.
    assert answer["points"] == 0.0
    assert found["enough"] is True


def test_a_notice_still_in_time_gains_points_when_answered():
    notice = ("E", D(2026, 11, 19), D(2026, 11, 21), None, D(2026, 11, 25), None, None)
    facts = city(notices=[notice])
    found = find("E", facts, way_off.Openings(
        targets=future_targets(1),
        notices=[{"id": 13, "number": "督办〔2026〕13号", "issued_on": D(2026, 11, 19),
                  "ack_due": D(2026, 11, 21), "acknowledged_on": None,
                  "answer_due": D(2026, 11, 25)}]))
    answered = scores(city(notices=[notice[:3] + (TODAY, notice[4], TODAY, None)]))["E"]
    actions = {a["kind"]: a for a in found["actions"]}
    assert actions["notices"]["text"] == "签收并答复督办〔2026〕13号"
    assert 0 < actions["notices"]["points"] <= round(answered - 75.0, 2)
    assert found["enough"] is True


def test_when_the_periods_remaining_matters_do_not_suffice_it_says_so():
    found = find("E", city(), way_off.Openings(targets=future_targets(1)))
    assert found["enough"] is False
    [action] = found["actions"]  # everything that helps is still listed
    assert action["points"] == 5.0
    assert found["note"].startswith("本期剩余事项不足以脱离黑榜：全部完成后预计得80分")
    assert "黑榜线（80分）" in found["note"]


def test_a_unit_off_the_list_is_told_so_with_no_actions():
    found = find("B", city(), way_off.Openings(targets=future_targets(2)))
    assert not found["on_black_list"] and not found["in_bottom_group"]
    assert found["actions"] == [] and found["enough"] is True
    assert "不在黑榜" in found["note"]


def test_a_13710_matter_closed_in_time_is_an_action():
    facts = city(clocks=[("E", "general", D(2026, 11, 15), None)])
    found = find("E", facts, way_off.Openings(targets=future_targets(1), clocks=[{
        "code": "T2026-077", "title": "群众来信", "clock_class": "general",
        "start_date": D(2026, 11, 15)}]))
    texts = [a["text"] for a in found["actions"]]
    assert "办结13710事项T2026-077《群众来信》" in texts


def test_a_unit_no_group_ranks_has_no_way_off():
    assert find("Z", city()) is None
