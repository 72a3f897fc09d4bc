"""A small city's year on the platform, from the public HTTP API only.

Two counties and two departments, ten tasks each, loaded in March 2026 with the
plan's first months already behind them, and two more each for 2027 on the new
year's first working day. In December the office enters 2027's calendar from the
State Council's notice; the year then crosses New Year and the Spring Festival
week on the office's days. Every week the units report: 甲县 and 市发展改革委
steadily, a little ahead of plan; 乙县 late, every other week and well behind;
市住房城乡建设局 steadily until mid-April, then never again. Every working day the
office evaluates as of that day, the units acknowledge and answer their notices
(except the one that stopped), and the office closes the notices of items no
longer red. After each quarter the office drafts, approves and publishes its
ranking. At each quarter's end the test checks what a supervision office would
check by hand, and prints a page of figures.
"""
import calendar as months
import datetime as dt

import chinese_calendar
import pytest

from tests.support.broker import queue_states
from tests.support.holiday_notices import HOLIDAYS_2027, WORKDAYS_2027
from tests.support.waiting import eventually

D = dt.date
LOADED = D(2026, 3, 9)            # the library arrives on a Monday in March
STOPPED_AFTER = D(2026, 4, 17)    # 市住房城乡建设局 reports for the last time
CALENDAR_ENTERED = D(2026, 12, 1)  # the office enters 2027 from the State Council's notice
NEW_YEAR = D(2027, 1, 4)          # the new year's first working day: its tasks arrive
BEFORE_FESTIVAL = D(2027, 2, 5)   # the last working day before the Spring Festival week
SIMULATION_ENDS = D(2027, 2, 26)
QUARTERS = {"2026-Q1": D(2026, 3, 31), "2026-Q2": D(2026, 6, 30),
            "2026-Q3": D(2026, 9, 30), "2026-Q4": D(2026, 12, 31)}
LABELS = {"2026-Q1": "2026年第一季度", "2026-Q2": "2026年第二季度",
          "2026-Q3": "2026年第三季度", "2026-Q4": "2026年第四季度"}
UNITS = [
    {"code": "xa", "name": "甲县", "kind": "county"},
    {"code": "xb", "name": "乙县", "kind": "county"},
    {"code": "fgw", "name": "市发展改革委", "kind": "department"},
    {"code": "zjj", "name": "市住房城乡建设局", "kind": "department"},
]
NAMES = {unit["code"]: unit["name"] for unit in UNITS}
STEADY = {"county": "xa", "department": "fgw"}
LATE, STOPPED = "xb", "zjj"
TASKS_PER_UNIT = 10
NEW_TASKS_PER_UNIT = 2
AREAS = ["产业项目", "民生实事", "营商环境", "城市建设", "乡村振兴"]


# The plan: 0% on 1 January, then each month's end an even step to 100% -----------------

def points(year):
    return [(D(year, 1, 1), 0.0)] + [
        (D(year, month, months.monthrange(year, month)[1]), round(100 * month / 12, 1))
        for month in range(1, 13)]


def plan(day, year):
    """The plan of a task of `year`: its cumulative percentage on a day, linear
    between its points."""
    steps = points(year)
    for (start, low), (end, high) in zip(steps, steps[1:], strict=False):
        if day <= end:
            return low + (high - low) * max((day - start).days, 0) / (end - start).days
    return 100.0


def codes_of(unit, year=2026):
    if year == 2026:
        return [f"{unit.upper()}-{n:02d}" for n in range(1, TASKS_PER_UNIT + 1)]
    return [f"{unit.upper()}-{year % 100}{n:02d}" for n in range(1, NEW_TASKS_PER_UNIT + 1)]


def working(day):
    """A working day of the official calendar: 2026 from the holiday package, 2027
    as the office enters it (the days of the State Council's notice)."""
    if day.year == 2027:
        return (day.isoformat() in WORKDAYS_2027
                or (day.weekday() < 5 and day.isoformat() not in HOLIDAYS_2027))
    return chinese_calendar.is_workday(day)


def working_days(first, last):
    day = first
    while day <= last:
        if working(day):
            yield day
        day += dt.timedelta(days=1)


def report_days(first, last):
    """The last working day (Monday to Friday) of each week."""
    days = list(working_days(first, last))
    return {day for day, after in zip(days, [*days[1:], None], strict=True)
            if after is None or after.isocalendar()[1] != day.isocalendar()[1]}


def working_days_between(since, day):
    return sum(1 for _ in working_days(since + dt.timedelta(days=1), day))


def add_working_days(day, count):
    """The count-th working day after a day."""
    days = list(working_days(day + dt.timedelta(days=1), day + dt.timedelta(days=60)))
    return days[count - 1]


# The city's side of the year ------------------------------------------------------------

class Office:
    """The supervision office and its units, at the API."""

    def __init__(self, platform, clock):
        self.platform, self.clock = platform, clock
        self.http = platform.http
        self.headers = platform.login()
        self.evaluations = 0
        self.reported = {}       # {unit: number of reports}
        self.late_report_weeks = 0
        self.published = {}      # {(period, group): the ranking as published}
        self.acknowledged = {}   # {notice id: the day it was acknowledged}
        self.quarter_ends = {}   # {period: its page of figures, on its last working day}
        self.tasks = 0
        self.say = print

    def call(self, method, path, expect=200, headers=None, **kwargs):
        answer = self.http.request(method, f"/api/v1{path}",
                                   headers={**self.headers, **(headers or {})}, **kwargs)
        assert answer.status_code == expect, (method, path, answer.status_code, answer.text)
        return answer.json()

    def every(self, path, **params):
        items, offset = [], 0
        while True:
            page = self.call("GET", path, params={**params, "limit": 1000, "offset": offset})
            items.extend(page["items"])
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return items

    # Setting up -----------------------------------------------------------------------

    def set_up(self):
        for unit in UNITS:
            self.call("POST", "/units", expect=201, json={
                **unit, "head": {"name": f"{unit['name']}负责人", "phone": "13800000000"}})
        # A small city draws one unit onto each list of a group of two.
        self.call("PUT", "/ranking-rules", json={
            "rules": {"red_list_size": 1, "black_list_size": 1}, "note": "两县两部门"})
        self.rules = self.call("GET", "/rules")["rules"]
        assert self.rules["first_report_grace"] is True  # the default

    def load_library(self, year):
        targets = [{"due_date": end.isoformat(), "planned_percent": percent}
                   for end, percent in points(year)[1:]]
        for n, unit in enumerate(UNITS):
            for m, code in enumerate(codes_of(unit["code"], year)):
                self.call("POST", "/tasks", expect=201, json={
                    "code": code, "title": f"{unit['name']}{year}年重点任务{m + 1}",
                    "lead_unit": unit["code"], "category": AREAS[(n + m) % len(AREAS)],
                    "source": "plan", "start_date": f"{year}-01-01",
                    "due_date": f"{year}-12-31", "targets": targets})
                self.tasks += 1

    def enter_calendar(self, year, holidays, workdays):
        """The office enters a year's holidays and make-up working days."""
        self.call("PUT", f"/calendar/{year}", json={
            "year": year, "holidays": [{"date": day, "name": name}
                                       for day, name in holidays.items()],
            "workdays": workdays, "note": f"据国务院办公厅关于{year}年部分节假日安排的通知录入"})
        entered = self.call("GET", f"/calendar/{year}")
        assert entered["source"] == "office", entered
        assert len(entered["holidays"]) == len(holidays), entered

    # A working day ----------------------------------------------------------------------

    def report(self, day):
        """The week's reports, as each unit sends them, applied before the day goes on."""
        sent = {}
        for unit in UNITS:
            code = unit["code"]
            if code == STOPPED and day > STOPPED_AFTER:
                continue
            if code == LATE and (day - LOADED).days // 7 % 2:
                self.late_report_weeks += 1
                continue  # every other week only
            for year in (2026, 2027) if day.year == 2027 else (2026,):
                if code == LATE:
                    percent = max(0.0, round(plan(day, year) - 12, 1))
                else:
                    # Steady: what the plan expects a fortnight on, and a little more.
                    ahead = plan(day + dt.timedelta(days=14), year)
                    percent = min(100.0, round(ahead + 1, 1))
                for task in codes_of(code, year):
                    sent[task] = (code, percent)
        if not sent:
            return
        moment = dt.datetime.combine(day, dt.time(9), dt.timezone(dt.timedelta(hours=8)))
        answer = self.call("POST", "/progress", json=[
            {"task": task, "unit": unit, "percent": percent, "reported_at": moment.isoformat(),
             "note": "本周进展"} for task, (unit, percent) in sent.items()],
            headers={"Idempotency-Key": f"week-{day.isoformat()}"})
        assert {item["status"] for item in answer["results"]} == {"accepted"}, answer
        for unit, _ in sent.values():
            self.reported[unit] = self.reported.get(unit, 0) + 1

        def applied():
            judged = {item["task"]: item["percent"] for item in self.every("/warnings")
                      if item["item_kind"] == "task"}
            late = [task for task, (_, percent) in sent.items() if judged.get(task) != percent]
            assert not late, f"not yet applied by the warnings service: {late}"
            return True

        eventually(applied, timeout=60, interval=0.1)

    def answer_notices(self, day):
        """The units acknowledge a notice the working day after it came and answer it
        the working day after that; the unit that stopped does neither. The office
        closes an answered notice once its task is no longer red."""
        for notice in self.every("/notices"):
            if notice["unit"] == STOPPED:
                continue
            if notice["status"] == "open" and D.fromisoformat(notice["issued_on"]) < day:
                self.call("POST", f"/notices/{notice['id']}/ack")
                self.acknowledged[notice["id"]] = day
            elif (notice["status"] == "acknowledged"
                  and self.acknowledged.get(notice["id"], day) < day):
                self.call("POST", f"/notices/{notice['id']}/answer",
                          json={"answer": "已制定整改方案，两周内补齐进度"})
            elif notice["status"] == "answered":
                task = self.call("GET", f"/tasks/{notice['task']}")
                if task["colour"] != "red":
                    self.call("POST", f"/notices/{notice['id']}/close",
                              json={"reason": "已整改到位"})

    def evaluate(self, day):
        figures = self.call("POST", "/evaluations", params={"as_of": day.isoformat()})
        assert figures["as_of"] == day.isoformat() and figures["evaluated"] > 0, figures
        self.evaluations += 1
        return figures

    def settle(self):
        """Every event emitted so far consumed: every queue of the vhost empty, twice."""
        def quiet():
            states = queue_states(self.platform.amqp_uri)
            busy = {name: state for name, state in states.items() if state["messages"]}
            assert not busy, busy
            return True

        eventually(quiet, timeout=60, interval=0.2)
        eventually(quiet, timeout=60, interval=0.2)

    # Quarters -----------------------------------------------------------------------------

    def ranking(self, period, group):
        return self.call("GET", "/rankings", params={"period": period, "group": group})

    def publish(self, period):
        self.settle()
        self.call("POST", f"/rankings/{period}/draft")
        self.call("POST", f"/rankings/{period}/approve")
        self.call("POST", f"/rankings/{period}/publish")
        for group in STEADY:
            ranking = self.ranking(period, group)
            assert ranking["status"] == "published", ranking
            self.published[(period, group)] = ranking
        self.say(summary(self, period))
        self.unchanged_since_published()

    def unchanged_since_published(self):
        for (period, group), then in self.published.items():
            now = self.ranking(period, group)
            for key in ("entries", "red_list", "black_list", "as_of", "published_at"):
                assert now.get(key) == then.get(key), (period, group, key)


def entry_of(ranking, unit):
    return next(entry for entry in ranking["entries"] if entry["unit"] == unit)


def indicator(entry, key):
    return next(i for i in entry["breakdown"]["indicators"] if i["key"] == key)


# The checks of a quarter's end ------------------------------------------------------------

def check_figures_add_up(office, day, period):
    """The one screen, the warnings list and the live ranking tell one story."""
    office.settle()
    board = office.call("GET", "/dashboard")
    colours = office.every("/warnings")
    tasks = [item for item in colours if item["item_kind"] == "task"]
    by_colour = {colour: sum(1 for item in tasks if item["colour"] == colour)
                 for colour in ("green", "yellow", "red")}
    assert board["counts"] == by_colour, (board, by_colour)
    assert sum(board["counts"].values()) == office.tasks
    for row in board["units"]:
        assert {colour: row[colour] for colour in by_colour} == {
            colour: sum(1 for item in tasks if item["unit"] == row["unit"]
                        and item["colour"] == colour) for colour in by_colour}, row
    assert board["pending_first_report"] == sum(
        1 for item in tasks if item["state"] == "pending_first_report")
    for group in STEADY:
        ranking = office.ranking(period, group)
        for entry in ranking["entries"]:
            red_now = [item for item in colours
                       if item["unit"] == entry["unit"] and item["item_kind"] != "task"
                       and item["colour"] == "red"]
            # Every item red today was red in the period: counted by the ranking.
            assert entry["red_items"] >= len(red_now), (entry, red_now)
            warnings = indicator(entry, "warnings")
            assert warnings["detail"].startswith(f"红色预警{entry['red_items']}项"), warnings
            if red_now:
                assert warnings["score"] < 100, entry
    return board, colours


def check_red_items(office, day, colours):
    """Every red item says why, and a task red for the configured days has its notice."""
    after = office.rules["notice_after_red_days"]
    notices = office.every("/notices")
    for item in colours:
        if item["colour"] != "red":
            continue
        assert item["reason"].startswith("严重延期："), item
        if item["item_kind"] != "task":
            continue
        since = D.fromisoformat(item["since"])
        if working_days_between(since, day) < after:
            continue
        mine = [n for n in notices if n["task"] == item["task"]
                and (n["status"] != "closed" or D.fromisoformat(n["issued_on"]) >= since)]
        assert mine, f"{item['task']} red since {since} and no notice by {day}"


def figures(office, day, board):
    """The quarter's last working day in figures, for its page."""
    notices = office.every("/notices")
    by_status = {}
    for notice in notices:
        by_status[notice["status"]] = by_status.get(notice["status"], 0) + 1
    return [f"截至{day.month}月{day.day}日：评价 {office.evaluations} 次；任务 {board['counts']}，"
            f"待首报 {board['pending_first_report']}",
            f"督办单 {len(notices)} 件 {by_status}；逾期未办 {board['notices']['overdue']}"]


def summary(office, period):
    """One page: the quarter's figures and its ranking as published."""
    lines = [f"== {LABELS[period]}（{period}）", *office.quarter_ends[period]]
    for group in STEADY:
        ranking = office.published[(period, group)]
        for entry in ranking["entries"]:
            lines.append(f"  {group:<10} 第{entry['rank']}名 {NAMES[entry['unit']]:<8} "
                         f"{entry['score']:>6}分 红色{entry['red_items']}项")
        lines.append(f"  {group:<10} 红榜 {[NAMES[e['unit']] for e in ranking['red_list']]} "
                     f"黑榜 {[(NAMES[e['unit']], e['reasons']) for e in ranking['black_list']]}")
    return "\n".join(lines)


# The year -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def office(platform, clock):
    office = Office(platform, clock)
    office.set_up()
    return office


def test_a_year_of_a_small_city(office, clock, capsys):
    def say(text):
        with capsys.disabled():
            print("\n" + text)

    office.say = say
    clock.set(LOADED)
    office.load_library(2026)
    office.evaluate(LOADED)
    # A library loaded in March, its plan's first months behind it: not a red city,
    # every task waiting for its first report.
    board = office.call("GET", "/dashboard")
    assert board["counts"]["red"] == board["counts"]["yellow"] == 0, board
    assert board["pending_first_report"] == office.tasks, board

    weekly = report_days(LOADED, SIMULATION_ENDS)
    first_report = min(weekly)
    ends = {end: period for period, end in QUARTERS.items()}
    # Each quarter is drafted on the first working day after it: the fourth on the
    # new year's, counted by the calendar the office entered.
    drafts = {next(working_days(end + dt.timedelta(days=1), end + dt.timedelta(days=30))):
              period for period, end in QUARTERS.items()}
    last_working = {max(working_days(end - dt.timedelta(days=7), end)): ends[end]
                    for end in ends}
    for day in working_days(LOADED + dt.timedelta(days=1), SIMULATION_ENDS):
        clock.set(day)
        if day == CALENDAR_ENTERED:
            office.enter_calendar(2027, HOLIDAYS_2027, WORKDAYS_2027)
        if day == NEW_YEAR:
            office.load_library(2027)
        if day in weekly:
            office.report(day)
        office.answer_notices(day)
        if day == BEFORE_FESTIVAL:
            # A notice by hand the day before the Spring Festival week: its days are
            # counted after the festival, by the office's calendar.
            notice = office.call("POST", "/notices", expect=201, json={
                "task": codes_of(STOPPED, 2027)[0],
                "reason": "春节前督办：节后首个工作日前报送进展"})
            assert (notice["ack_due"], notice["answer_due"]) == ("2027-02-16", "2027-02-19"), (
                notice)
        office.evaluate(day)
        if day == first_report:
            # The late county's first report, 12 points behind a plan partly past:
            # judged on its own merits, yellow, not red.
            task = office.call("GET", f"/tasks/{codes_of(LATE)[0]}")
            assert task["colour"] == "yellow", task
            assert task["colour_state"] == "yellow" and "未补齐欠账" not in task["colour_reason"]
        if day == NEW_YEAR:
            board = office.call("GET", "/dashboard")
            assert board["pending_first_report"] == len(UNITS) * NEW_TASKS_PER_UNIT, board
        if day in drafts:
            office.publish(drafts[day])
        if day in last_working:
            period = last_working[day]
            board, colours = check_figures_add_up(office, day, period)
            check_red_items(office, day, colours)
            office.quarter_ends[period] = figures(office, day, board)

    # The new year's quarter so far, live: the same figures add up, the steady lead.
    board, colours = check_figures_add_up(office, SIMULATION_ENDS, "2027-Q1")
    check_red_items(office, SIMULATION_ENDS, colours)
    for group, steady in STEADY.items():
        live = office.ranking("2027-Q1", group)
        assert (live["entries"][0]["unit"], live["entries"][0]["rank"]) == (steady, 1), live
    say("\n".join(["== 2027年第一季度（截至2月26日，未结束）",
                   *figures(office, SIMULATION_ENDS, board)]))

    for period in QUARTERS:
        for group, steady in STEADY.items():
            ranking = office.published[(period, group)]
            first = ranking["entries"][0]
            assert (first["unit"], first["rank"]) == (steady, 1), (period, group, ranking)
            assert [e["unit"] for e in ranking["red_list"]] == [steady], (period, ranking)

    # The unit that stopped reporting is on the black list from the second quarter on,
    # for its red items, not only for being last of two.
    for period in ("2026-Q2", "2026-Q3", "2026-Q4"):
        black = office.published[(period, "department")]["black_list"]
        assert [e["unit"] for e in black] == [STOPPED], (period, black)
        assert any("红色预警" in reason for reason in black[0]["reasons"]), black
        assert entry_of(office.published[(period, "department")], STOPPED)["rank"] == 2
    notices = office.every("/notices")
    # Its notices were never acknowledged: overdue on the one screen.
    stopped = [n for n in notices if n["unit"] == STOPPED and n["issued_by"] == "auto"]
    assert stopped and all(n["status"] == "open" and n["colour"] == "red" for n in stopped)
    assert board["notices"]["overdue"] >= len(stopped)

    # Every notice's deadlines are counted in working days of the official calendar,
    # across New Year and the Spring Festival.
    for notice in notices:
        issued = D.fromisoformat(notice["issued_on"])
        assert notice["ack_due"] == add_working_days(
            issued, office.rules["notice_ack_days"]).isoformat(), notice
        assert notice["answer_due"] == add_working_days(
            issued, office.rules["notice_answer_days"]).isoformat(), notice
    assert {D.fromisoformat(n["issued_on"]).year for n in notices} >= {2026, 2027}

    # The steady units were never warned; the late one was, and answered its notices.
    assert not [n for n in notices if n["unit"] in STEADY.values()], notices
    assert [n for n in notices if n["unit"] == LATE]
    assert all(n["status"] != "open" for n in notices
               if n["unit"] == LATE and D.fromisoformat(n["issued_on"]) < SIMULATION_ENDS)
    office.unchanged_since_published()
