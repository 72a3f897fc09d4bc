"""The ranking rules, as plain functions over plain data (no nameko, no database),
so they are tested with nothing but pytest."""
import datetime as dt
import re

from .exceptions import InvalidInput

GROUPS = ("county", "department", "office")
COLOURS = ("green", "yellow", "red")
PERIOD = re.compile(r"^\d{4}-Q[1-4]$")
LIST_SIZE = 3  # units on the red list, and at the bottom of the black list
BLACK_LIST_REDS = 3  # this many red tasks put a unit on the black list whatever its rank
NO_TASKS_NOTE = "无已评色任务，按100分计"


def current_period(today):
    """The quarter `today` falls in, like "2026-Q4"."""
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def ranking_query(period, group, today):
    """The (period, group) a ranking is asked for; no period means the quarter of
    `today`. InvalidInput for a period not like 2026-Q4 or an unknown group."""
    problems = {}
    if period is None:
        period = current_period(today)
    elif not isinstance(period, str) or not PERIOD.match(period):
        problems["period"] = "a quarter like 2026-Q4"
    if group not in GROUPS:
        problems["group"] = f"one of {', '.join(GROUPS)}"
    if problems:
        raise InvalidInput(problems)
    return period, group


def task_colours(changes):
    """{task code: colour} from the changes of one evaluation: task items only (a
    task already takes the worst colour of its parts), the last change of a task
    winning."""
    return {change["task"]: change["colour"] for change in changes
            if change["item_kind"] == "task"}


def score(green, yellow, red):
    """100 × (green + ½ yellow) / tasks, to two decimals; 100 for no task."""
    total = green + yellow + red
    if not total:
        return 100.0
    return round(100 * (green + 0.5 * yellow) / total, 2)


def rank_group(tallies):
    """Rank the units of one group against each other.

    tallies: [{"unit", "name", "green", "yellow", "red"}], the number of the unit's
    tasks of each colour. Answers {"entries", "red_list", "black_list"}:

    - entries, best first: {"unit", "name", "rank", "score", "rank_change",
      "breakdown": {"green", "yellow", "red", "total", "note"}}. A unit with no
      coloured task scores 100, and its note says so. rank_change is None: no
      earlier ranking is kept to compare with.
    - Order: higher score first (as shown, to two decimals); on equal scores the
      unit with fewer red tasks first, then the lower unit code, so the order
      never depends on the order rows came in.
    - red_list (红榜): the best three units without a red task, best first.
    - black_list (黑榜): the three lowest-ranked units not on the red list (so a
      small group never puts one unit on both), plus every unit with three or
      more red tasks, each once, worst first.
    """
    entries = []
    for tally in tallies:
        green, yellow, red = (tally[colour] for colour in COLOURS)
        total = green + yellow + red
        entries.append({
            "unit": tally["unit"], "name": tally["name"], "rank": None,
            "score": score(green, yellow, red), "rank_change": None,
            "breakdown": {"green": green, "yellow": yellow, "red": red, "total": total,
                          "note": None if total else NO_TASKS_NOTE},
        })
    entries.sort(key=lambda entry: (-entry["score"], entry["breakdown"]["red"], entry["unit"]))
    for rank, entry in enumerate(entries, start=1):
        entry["rank"] = rank
    red_list = [entry["unit"] for entry in entries
                if entry["breakdown"]["red"] == 0][:LIST_SIZE]
    worst_first = entries[::-1]
    bottom = [entry["unit"] for entry in worst_first
              if entry["unit"] not in red_list][:LIST_SIZE]
    black_list = [entry["unit"] for entry in worst_first
                  if entry["unit"] in bottom or entry["breakdown"]["red"] >= BLACK_LIST_REDS]
    return {"entries": entries, "red_list": red_list, "black_list": black_list}


def naive_utc(moment):
    """A moment as the naive UTC the tables keep."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment
