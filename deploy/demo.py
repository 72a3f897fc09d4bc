"""Loads a demo city through the public HTTP API, as a county system would.

    python -m deploy.demo [--url http://127.0.0.1:8000] [--password ...] [--seed 2026]
                          [--tasks 300] [--weeks 52] [--categories 产业项目,营商环境,...]

A supervision office, ten counties and fifteen departments modelled on Yichun, a few
hundred key tasks with monthly targets and months of progress reports (some units
ahead of plan, some behind, some silent), so that green, yellow and red all show.
"Today" is the platform's: the loader reads the same clock as the services
(LUOSHI_CLOCK_FILE, see services/common/clock.py), so a rehearsal on a set date
gets a city built around that date.

With a clock file, the loader replays the last `--weeks` weeks on it, day by day:
the units' reports of each day are posted on that day; the office evaluates on
the last working day of each week and on every working day of the last two (so
the colours' history, the days red and the weekly trend are the platform's own);
the units acknowledge and answer most of their notices (督办单) with a written
commitment; the office closes those whose task recovered, publishes each past
quarter's ranking after the lead units scored their partners, and draws up and
signs each past week's bulletin (每周专报). Working days are the platform's
calendar's; the gateway's rate limit is waited out (429, Retry-After). While it
replays, every routing rule speaks to the inbox only: the past is not sent to
anyone's phone or mailbox. Then the clock file gets back what it held (empty:
the real time) and so do the rules; a city that exists already is not replayed
again. Without a clock file, or with --weeks 0, the history is posted at once as
received when it was sent, then one evaluation as of today. The same seed gives
the same city. What exists already (409) is skipped, and progress is posted only
for the tasks this run created.
"""
import argparse
import calendar
import collections
import datetime as dt
import math
import os
import random
import secrets
import sys
import time

import httpx

from services.common.clock import CLOCK_FILE, wall_now

OFFICE = ("DCB", "市抓落实工作办公室")
COUNTIES = [
    ("YUANZHOU", "袁州区"), ("ZHANGSHU", "樟树市"), ("FENGCHENG", "丰城市"),
    ("GAOAN", "高安市"), ("JINGAN", "靖安县"), ("FENGXIN", "奉新县"), ("SHANGGAO", "上高县"),
    ("YIFENG", "宜丰县"), ("TONGGU", "铜鼓县"), ("WANZAI", "万载县"),
]
DEPARTMENTS = [
    ("FGW", "市发展改革委"), ("GXJ", "市工信局"), ("ZJJ", "市住建局"), ("YBJ", "市医保局"),
    ("STHJJ", "市生态环境局"), ("JTYSJ", "市交通运输局"), ("SWJ", "市商务局"),
    ("NYNCJ", "市农业农村局"), ("JYJ", "市教育局"), ("WJW", "市卫健委"),
    ("ZRZYJ", "市自然资源局"), ("SLJ", "市水利局"), ("WGLJ", "市文广旅局"),
    ("ZHZFJ", "市综合行政执法局"), ("SJJ", "市数据局"),
]

# Per key area: the departments that usually lead it, and the work it is made of.
CATEGORIES = {
    "产业项目": (["FGW", "GXJ", "SWJ", "WGLJ"], [
        "锂电新能源产业园二期建设", "智能制造产业基地标准厂房建设", "生物医药产业园扩能",
        "绿色食品精深加工项目投产", "光伏组件生产线技改", "新型建材产业园配套建设",
        "电子信息产业园招商落地", "现代物流园区建设", "文化旅游综合体建设",
        "富硒农产品加工园建设",
    ]),
    "营商环境": (["SJJ", "FGW", "SWJ", "ZHZFJ"], [
        "政务服务“一网通办”事项扩面", "企业开办全程网办提速", "工程建设项目审批时限压减",
        "涉企收费专项清理", "惠企政策“免申即享”兑现", "营商环境投诉闭环办理",
        "“双随机、一公开”监管全覆盖", "不动产登记“一窗受理”",
    ]),
    "民生实事": (["ZJJ", "JTYSJ", "JYJ", "WJW", "YBJ", "SLJ"], [
        "城镇老旧小区改造", "农村公路提质改造", "社区嵌入式养老服务中心建设",
        "中小学校新建扩容", "城乡供水一体化工程", "乡镇卫生院服务能力提升",
        "城区公共停车泊位新增", "医保服务“15分钟便民圈”建设", "背街小巷综合整治",
    ]),
    "生态环保": (["STHJJ", "ZRZYJ", "SLJ", "NYNCJ"], [
        "中央生态环保督察反馈问题整改", "重点流域水环境综合治理", "大气污染防治攻坚",
        "历史遗留矿山生态修复", "城镇污水管网补短板", "农村人居环境整治提升",
        "长江十年禁渔常态化监管", "高标准农田建设",
    ]),
    "改革攻坚": (["FGW", "YBJ", "NYNCJ", "ZRZYJ", "SJJ"], [
        "国有企业改革深化提升行动", "农村集体产权制度改革", "医保支付方式改革",
        "“放管服”改革事项下放", "林长制改革示范区建设", "开发区管理体制改革",
        "公共数据资源开发利用改革",
    ]),
    "招商引资": (["SWJ", "GXJ", "FGW"], [
        "赴长三角产业链招商", "签约项目开工率提升", "“三请三回”乡贤招商",
        "亿元以上项目签约落地", "粤港澳大湾区招商推介", "外资外贸企业引进",
    ]),
}
GENERIC_WORK = ["重点工作推进", "年度目标落实", "专项行动实施", "攻坚任务推进"]

SOURCES = [("plan", 80), ("assignment", 12), ("instruction", 8)]
SOURCE_NOTES = {"assignment": "（市领导交办）", "instruction": "（市领导批示）"}
# How far each task gets by today: the spread that makes every colour appear.
PROFILES = [("ahead", 45), ("behind", 25), ("lagging", 18), ("silent", 12)]
MILESTONES = [(25, "完成前期手续和方案制定"), (50, "全面推进实施"),
              (75, "主体任务基本完成"), (99, "完成收尾和验收准备"), (100, "全面完成并验收")]
NOTES = {
    "ahead": ["按计划推进，进度超出预期", "本月任务已完成", "提前完成阶段目标"],
    "behind": ["受天气影响，进度略有滞后", "部分手续仍在办理", "资金到位较慢，正在协调"],
    "lagging": ["要素保障不足，进展缓慢", "项目主体变更，暂时停滞", "征地拆迁尚未完成"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华文辉建国红波斌宇浩凯鹏飞晨欣"

BATCH_SIZE = 500
SETTLE_SECONDS = 60
CHINA = dt.timezone(dt.timedelta(hours=8))
# A replayed day's work is done by the evening: its reports, its evaluation.
EVENING = dt.time(20)
# Of the notices a unit receives: how many it acknowledges, and of those how many it
# answers with a written commitment; the rest run overdue and climb the ladder.
ACKNOWLEDGED, ANSWERED = 0.8, 0.85
COMMITMENT_DAYS = 14
COMMITMENTS = [("补齐要素保障，倒排工期加快推进", "两周内进度追上计划"),
               ("召开专题调度会，明确责任人和时间节点", "按节点完成当月目标"),
               ("协调解决手续办理问题", "手续办结，项目复工")]
# The weeks replayed when nothing says otherwise: back to the oldest task's start.
DEFAULT_WEEKS = 52
DAILY_WEEKS = 2


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def weighted(rng, choices):
    return rng.choices([value for value, _ in choices], [weight for _, weight in choices])[0]


def person(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def contact(rng, code, landline):
    if landline:
        return {"name": person(rng), "phone": f"0795-{rng.randint(3200000, 3999999)}",
                "email": f"{code.lower()}@yichun.example"}
    return {"name": person(rng), "phone": f"1{rng.choice('3589')}{rng.randint(0, 10**9 - 1):09d}",
            "email": f"{code.lower()}.operator@yichun.example"}


def build_units(rng):
    units = [{"code": OFFICE[0], "name": OFFICE[1], "kind": "office"}]
    units += [{"code": code, "name": name, "kind": "county"} for code, name in COUNTIES]
    units += [{"code": code, "name": name, "kind": "department"} for code, name in DEPARTMENTS]
    for unit in units:
        unit["head"] = contact(rng, unit["code"], landline=True)
        unit["operator"] = contact(rng, unit["code"], landline=False)
    return units


def planned_by(task, day):
    """The cumulative percentage the plan expects by `day`, linear between targets."""
    points = [(dt.date.fromisoformat(task["start_date"]), 0.0)] + [
        (dt.date.fromisoformat(t["due_date"]), t["planned_percent"]) for t in task["targets"]]
    if day <= points[0][0]:
        return 0.0
    for (start, low), (end, high) in zip(points, points[1:], strict=False):
        if day <= end:
            return low + (high - low) * (day - start).days / max(1, (end - start).days)
    return points[-1][1]


def build_task(rng, number, year, category, today):
    """One task body; its monthly targets fall on the same day of the month, the last
    one a week before today, so a fresh miss shows yellow and an older one red."""
    source = weighted(rng, SOURCES)
    county_led = rng.random() < 0.5
    leaders, work = CATEGORIES.get(category, ([code for code, _ in DEPARTMENTS], GENERIC_WORK))
    if county_led:
        lead, place = rng.choice(COUNTIES)
        partners = rng.sample(leaders, k=min(len(leaders), rng.randint(1, 2)))
    else:
        lead = rng.choice(leaders)
        place = "全市"
        partners = [code for code, _ in rng.sample(COUNTIES, k=rng.randint(0, 3))]
    anchor = today - dt.timedelta(days=7)
    if source == "plan":
        months = rng.randint(6, 12)
    else:
        months = rng.randint(2, 3)
    past = rng.randint(1 if source != "plan" else 2, months - 1)
    start = add_months(anchor, -past)
    targets = []
    for step in range(1, months + 1):
        percent = round(100 * step / months)
        milestone = next(text for limit, text in MILESTONES if percent <= limit)
        targets.append({"due_date": add_months(start, step).isoformat(),
                        "planned_percent": percent,
                        "description": f"{milestone}（累计{percent}%）", "unit": lead})
    task = {
        "code": f"T{year}-{number:04d}",
        "title": f"{place}{rng.choice(work)}{SOURCE_NOTES.get(source, '')}",
        "lead_unit": lead,
        "start_date": start.isoformat(),
        "due_date": targets[-1]["due_date"],
        "category": category,
        "source": source,
        "cooperating_units": [code for code in partners if code != lead],
        "responsible_person": person(rng),
        "targets": targets,
    }
    if source != "plan":
        task["clock_class"] = rng.choice(["important", "general", "complex"])
    return task, past


def build_reports(rng, task, past, now):
    """The task's monthly reports up to now, following one profile; non-decreasing."""
    profile = weighted(rng, PROFILES)
    if profile == "silent":
        return []
    today = now.date()
    planned = [target["planned_percent"] for target in task["targets"]]
    last_due = planned[past - 1]              # the target due a week ago
    before = planned[past - 2] if past >= 2 else 0   # the one due a month earlier
    if profile == "ahead":
        final = min(100, planned_by(task, today) + rng.uniform(0, 12))
    elif profile == "behind":
        final = rng.uniform(before, max(before, last_due - 1))
    else:
        final = before * rng.uniform(0.2, 0.8)
    final = math.floor(final * 10) / 10
    reports, reported = [], 0.0
    for target in task["targets"][:past]:
        percent = min(target["planned_percent"], final)
        if percent <= reported:
            continue  # a stalled unit stops reporting
        due = dt.date.fromisoformat(target["due_date"]) - dt.timedelta(days=rng.randint(0, 4))
        at = dt.datetime.combine(due, dt.time(rng.randint(9, 17), rng.randint(0, 59)), CHINA)
        reports.append((at, percent))
        reported = percent
    if final > reported:
        reports.append((now - dt.timedelta(hours=rng.uniform(1, 72)), final))
    # The platform judges timeliness by when it received a report. The months of
    # history are entered as the office, which may say when a report reached it:
    # each was received when it was sent.
    return [{"task": task["code"], "unit": task["lead_unit"], "percent": percent,
             "note": rng.choice(NOTES[profile]),
             "reported_at": moment, "received_at": moment}
            for at, percent in reports
            for moment in [min(at, now).astimezone(dt.UTC).isoformat(timespec="seconds")]]


class PatientTransport(httpx.HTTPTransport):
    """Waits out the gateway's rate limit (429, Retry-After) and asks again, as a
    county system would: the replay asks more than a person does."""

    def handle_request(self, request):
        while True:
            answer = super().handle_request(request)
            if answer.status_code != 429:
                return answer
            answer.read()
            answer.close()
            time.sleep(float(answer.headers.get("Retry-After") or 1))


class Api:
    def __init__(self, url, password):
        self.http = httpx.Client(base_url=url, timeout=60, transport=PatientTransport())
        answer = self.http.post("/api/v1/auth/token",
                                data={"username": "admin", "password": password})
        self.check(answer, "signing in as admin")
        self.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    @staticmethod
    def check(answer, what):
        if answer.is_success:
            return
        raise SystemExit(f"demo: {what} failed: HTTP {answer.status_code} {answer.text[:500]}")

    def create(self, path, body, what):
        """True when created, False when it existed already (409)."""
        answer = self.http.post(path, json=body)
        if answer.status_code == 409:
            return False
        self.check(answer, what)
        return True


def post_progress(api, reports, tally):
    """Posts the reports oldest first, in batches as a county system would; counts
    them into `tally` {"accepted", "rejected"}."""
    reports.sort(key=lambda item: item["reported_at"])
    run = secrets.token_hex(4)
    for start in range(0, len(reports), BATCH_SIZE):
        answer = api.http.post("/api/v1/progress", json=reports[start:start + BATCH_SIZE],
                               headers={"Idempotency-Key": f"demo-{run}-{start}"})
        api.check(answer, "reporting progress")
        for item in answer.json()["results"]:
            if item["status"] == "accepted":
                tally["accepted"] += 1
                continue
            tally["rejected"] += 1
            if tally["rejected"] <= 3:
                task = reports[start + item["index"]]["task"]
                print(f"  rejected: {task}: {item.get('reason')}")


def every(api, path, **params):
    """Every item of a paged list."""
    items, offset = [], 0
    while True:
        answer = api.http.get(path, params={**params, "limit": 1000, "offset": offset})
        api.check(answer, f"reading {path}")
        page = answer.json()
        items.extend(page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return items


def wait_applied(api, reports):
    """Waits until the warnings service has applied the reports just posted (events
    travel on their own), so that it colours them as of their day and the same
    seed gives the same history. Each batch is applied at once: its last report
    stands for it."""
    for last in reports[BATCH_SIZE - 1::BATCH_SIZE] + reports[-1:]:  # as posted
        def applied(last=last):
            items = api.http.get("/api/v1/warnings", params={"task": last["task"]})
            api.check(items, f"reading the colours of {last['task']}")
            # A task's reports only rise: a later batch may have moved it further.
            return any(item["item_kind"] == "task" and item["percent"] is not None
                       and item["percent"] >= last["percent"] - 1e-6
                       for item in items.json()["items"])

        if not settled(applied, 0.05, "reports not applied", "carrying on"):
            return


def wait_coloured(api, tasks):
    """Waits until the warnings service has coloured every task."""
    def coloured():
        answer = api.http.get("/api/v1/dashboard")
        api.check(answer, "reading the dashboard")
        return sum(answer.json()["counts"].values()) >= tasks

    settled(coloured, 0.5, "not every task is coloured", "evaluating anyway")


def settled(done, interval, what, then):
    """Asks `done()` every `interval` seconds until it is true, for at most
    SETTLE_SECONDS; past them says so and what happens instead. Answers whether
    it came true."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while not done():
        if time.monotonic() > deadline:
            print(f"  {what} after {SETTLE_SECONDS}s; {then}")
            return False
        time.sleep(interval)  # the services work on their own; nothing to wake us
    return True


def evaluate(api, day):
    answer = api.http.post("/api/v1/evaluations", params={"as_of": day.isoformat()})
    api.check(answer, f"evaluating as of {day}")
    return answer.json()


def print_counts(api, today):
    answer = api.http.get("/api/v1/dashboard")
    api.check(answer, "reading the dashboard")
    counts = answer.json()["counts"]
    print(f"evaluated as of {today}: {counts['green']} green, {counts['yellow']} yellow,"
          f" {counts['red']} red")


def previous_quarter(today):
    quarter = (today.month - 1) // 3 + 1
    return f"{today.year - 1}-Q4" if quarter == 1 else f"{today.year}-Q{quarter - 1}"


def quarter_end(day):
    last_month = (day.month - 1) // 3 * 3 + 3
    return dt.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


def score_partners(api, rng, tasks, count=40):
    """The lead units score `count` of their cooperating units for the quarter the
    platform's clock is in. Answers the period."""
    current = api.http.get("/api/v1/rankings/periods")
    api.check(current, "reading the ranking periods")
    period = current.json()["current"]["period"]
    pairs = sorted({(task["lead_unit"], unit) for task in tasks
                    for unit in task["cooperating_units"]})
    given, deadline = 0, time.monotonic() + SETTLE_SECONDS
    for lead, unit in rng.sample(pairs, k=min(len(pairs), count)):
        body = {"unit": unit, "lead_unit": lead, "score": rng.randint(70, 98),
                "comment": rng.choice(["配合积极，按时报送", "配合较好", "响应及时，材料规范",
                                       "配合一般，个别事项滞后"])}
        while True:
            answer = api.http.post(f"/api/v1/rankings/{period}/evaluations", json=body)
            # 403 until the ranking service has heard of the task: events travel on
            # their own.
            if answer.status_code != 403 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if answer.status_code == 409:
            break  # this quarter is approved already
        api.check(answer, f"evaluating {unit} for {lead}")
        given += 1
    print(f"ranking: {given} evaluations of cooperating units for {period}")
    return period


def publish(api, period):
    """The period's ranking drafted, approved and published (what is done already
    is not done again). Answers whether this run published it."""
    states = api.http.get("/api/v1/rankings/periods")
    api.check(states, "reading the ranking periods")
    status = next((item["status"] for item in states.json()["items"]
                   if item["period"] == period), None)
    steps = {None: ("draft", "approve", "publish"), "draft": ("draft", "approve", "publish"),
             "approved": ("publish",), "published": ()}[status]
    for step in steps:
        api.check(api.http.post(f"/api/v1/rankings/{period}/{step}"), f"{step} {period}")
    if steps:
        print(f"ranking: {period} published")
    return bool(steps)


def issue_bulletin(api, week_start):
    """The week's bulletin drawn up and signed (签发), unless it is issued already
    (the notify service's weekly timer may have drawn it up first; without
    LUOSHI_BULLETIN_SIGN_OFF it is issued as it is drawn up)."""
    answer = api.http.post("/api/v1/bulletins", json={"week_start": week_start.isoformat()})
    if answer.status_code == 409:
        return False
    api.check(answer, f"drawing up the bulletin of the week from {week_start}")
    bulletin = answer.json()
    if bulletin["status"] == "issued":
        return True
    answer = api.http.post(f"/api/v1/bulletins/{bulletin['id']}/issue")
    if answer.status_code == 409:
        return False
    api.check(answer, f"signing the bulletin of the week from {week_start}")
    return True


class Calendar:
    """The office's working days, as the platform counts them (GET /calendar/{year}):
    the holiday package's, the office's entries, or Monday to Friday."""

    def __init__(self, api):
        self.api, self.years = api, {}

    def working(self, day):
        if day.year not in self.years:
            answer = self.api.http.get(f"/api/v1/calendar/{day.year}")
            self.api.check(answer, f"reading the calendar of {day.year}")
            year = answer.json()
            self.years[day.year] = ({item["date"] for item in year.get("holidays") or []},
                                    set(year.get("workdays") or []))
        holidays, workdays = self.years[day.year]
        text = day.isoformat()
        return text in workdays or (day.weekday() < 5 and text not in holidays)


class Units:
    """The units' side of the notices: each acknowledges most of them the working
    day after they came and answers most of those the working day after, with a
    written commitment (书面承诺) it keeps once its task is out of the red; the
    office closes an answered notice whose task is no longer red. Which notice is
    left unanswered is the seed's."""

    def __init__(self, api, seed):
        self.api, self.seed = api, seed
        self.acknowledged = {}  # {notice id: the day}
        self.promises = []      # [(commitment id, task, promised day)], open
        self.watching = False   # a notice was issued: read them each working day
        self.figures = collections.Counter()

    def fate(self, notice):
        return random.Random(f"{self.seed}-notice-{notice['id']}").random()

    def work(self, day, issued):
        self.watching = self.watching or bool(issued)
        if not self.watching:
            return
        notices = [notice for notice in every(self.api, "/api/v1/notices")
                   if notice["status"] != "closed"]
        due = [promise for promise in self.promises if promise[2] <= day]
        red = None
        if due or any(notice["status"] == "answered" for notice in notices):
            red = {item["task"] for item in every(self.api, "/api/v1/warnings", colour="red")
                   if item["item_kind"] == "task"}
        for notice in notices:
            fate, number = self.fate(notice), notice["id"]
            if notice["status"] == "open":
                if dt.date.fromisoformat(notice["issued_on"]) < day and fate < ACKNOWLEDGED:
                    self.post(f"/api/v1/notices/{number}/ack", None, "acknowledged")
                    self.acknowledged[number] = day
            elif notice["status"] == "acknowledged":
                if (self.acknowledged.get(number, day) < day
                        and fate < ACKNOWLEDGED * ANSWERED):
                    step, result = COMMITMENTS[number % len(COMMITMENTS)]
                    self.post(f"/api/v1/notices/{number}/answer",
                              {"answer": f"已制定整改方案：{step}"}, "answered")
                    promised = day + dt.timedelta(days=COMMITMENT_DAYS)
                    made = self.post("/api/v1/commitments", {
                        "task": notice["task"], "unit": notice["unit"], "step": step,
                        "promised_date": promised.isoformat(), "result": result},
                        "commitments made")
                    self.promises.append((made["id"], notice["task"], promised))
            elif notice["status"] == "answered" and notice["task"] not in red:
                self.post(f"/api/v1/notices/{number}/close", {"reason": "已整改到位"},
                          "closed by the office")
        for promise in due:
            if promise[1] not in red:
                self.post(f"/api/v1/commitments/{promise[0]}/fulfil", None, "commitments kept")
                self.promises.remove(promise)

    def post(self, path, body, what):
        answer = self.api.http.post(path, json=body)
        self.api.check(answer, f"{what} ({path})")
        self.figures[what] += 1
        return answer.json()


class Replay:
    """The platform's clock, moved by the loader (the file LUOSHI_CLOCK_FILE names),
    and the routing rules kept to the inbox while it is moved: what happened in
    the past weeks is written to the inbox, never sent as SMS or e-mail now.
    `restore` gives both back as they were."""

    def __init__(self, api, path):
        self.api, self.path = api, path
        with open(path, encoding="utf-8") as source:
            self.held = source.read()
        answer = api.http.get("/api/v1/routing-rules")
        api.check(answer, "reading the routing rules")
        self.rules = [{key: value for key, value in rule.items()
                       if key != "position" and (value is not None or key == "quiet_hours")}
                      for rule in answer.json()["items"]]
        quiet = [{**rule, "channels": ["inbox"]} for rule in self.rules]
        api.check(api.http.put("/api/v1/routing-rules", json={"rules": quiet}),
                  "keeping the replay's messages to the inbox")

    def set(self, moment):
        spare = f"{self.path}.next"
        with open(spare, "w", encoding="utf-8") as target:
            target.write(moment.isoformat())
        os.replace(spare, self.path)  # never half written for a reader

    def restore(self):
        spare = f"{self.path}.next"
        with open(spare, "w", encoding="utf-8") as target:
            target.write(self.held)
        os.replace(spare, self.path)
        answer = self.api.http.put("/api/v1/routing-rules", json={"rules": self.rules})
        self.api.check(answer, "restoring the routing rules")


def utc(text):
    """A moment as answers carry it (naive UTC, or with its offset)."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def quiet_down(api, now):
    """Before the routing rules speak again: every escalation due by now climbed
    (the notify service looks every LUOSHI_NOTIFY_TICK_SECONDS), and the inbox no
    longer growing, so that no message of the past goes out by SMS or e-mail."""
    deadline = time.monotonic() + SETTLE_SECONDS
    last = None
    while time.monotonic() < deadline:
        due = [row for row in every(api, "/api/v1/escalations", status="open")
               if row.get("next_at") and utc(row["next_at"]) <= now]
        answer = api.http.get("/api/v1/notifications", params={"limit": 1})
        api.check(answer, "reading the notifications")
        total = answer.json()["total"]
        if not due and total == last:
            return
        last = total
        time.sleep(2)
    print(f"  the notify service is still busy after {SETTLE_SECONDS}s; carrying on")


# People to sign in as, one per role; their password is the admin's.
DEMO_USERS = [
    {"username": "leader", "role": "leader", "name": "李建国", "phone": "13907950001"},
    {"username": "yuanzhou", "role": "operator", "unit": "YUANZHOU", "name": "袁小红",
     "phone": "13907950002"},
    {"username": "fgw", "role": "evaluator", "unit": "FGW", "name": "冯国伟",
     "phone": "13907950003"},
]


def add_users(api, password):
    created = sum(api.create("/api/v1/users", {**user, "password": password},
                             f"creating user {user['username']}") for user in DEMO_USERS)
    names = ", ".join(f"{user['username']} ({user['role']})" for user in DEMO_USERS)
    print(f"users: {created} created ({names}), with the admin's password")


FRESH_MATTERS = ["研究解决园区企业用电报装问题", "督促整改群众反映的小区供水问题",
                 "协调解决重点项目用地报批问题"]


def assign_fresh_matters(api, rng, today):
    """A few leaders' matters assigned in the last days, so that the one screen has
    13710 deadlines about to run out."""
    created = 0
    for number, title in enumerate(FRESH_MATTERS, start=1):
        lead, place = rng.choice(COUNTIES)
        start = today - dt.timedelta(days=number - 1)
        created += api.create("/api/v1/tasks", {
            "code": f"J{today.year}-{number:04d}", "title": f"{place}{title}（市领导交办）",
            "lead_unit": lead, "source": "assignment", "clock_class": "general",
            "start_date": start.isoformat(),
            "due_date": (start + dt.timedelta(days=30)).isoformat(),
            "responsible_person": person(rng), "targets": []}, f"assigning matter {number}")
    print(f"assigned matters: {created} created")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url",
                        default=f"http://127.0.0.1:{os.environ.get('LUOSHI_PORT', '8000')}")
    parser.add_argument("--password", default=os.environ.get("LUOSHI_ADMIN_PASSWORD"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=DEFAULT_WEEKS,
                        help="past weeks replayed day by day on the platform's clock file"
                             f" (0: none; default {DEFAULT_WEEKS})")
    parser.add_argument("--categories", default=",".join(CATEGORIES),
                        help="comma-separated key areas")
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("the admin password: --password or LUOSHI_ADMIN_PASSWORD")
    if not 0 <= args.weeks <= 104:
        parser.error("--weeks: 0 to 104")
    categories = [name.strip() for name in args.categories.split(",") if name.strip()]

    rng = random.Random(args.seed)
    now = wall_now().astimezone(CHINA)
    today = now.date()
    api = Api(args.url.rstrip("/"), args.password)
    weeks = args.weeks
    if weeks and not os.environ.get(CLOCK_FILE):
        print(f"no clock file ({CLOCK_FILE}): the past is posted at once, not replayed")
        weeks = 0
    if weeks and api.http.get("/api/v1/units", params={"limit": 1}).json().get("items"):
        # Evaluating past days again would write them into the colours' history anew.
        print("the city exists already: its past is not replayed again")
        weeks = 0
    # The replay starts on the Monday `weeks` weeks before this week's.
    first = today - dt.timedelta(days=today.weekday() + 7 * weeks) if weeks else today
    replay = Replay(api, os.environ[CLOCK_FILE]) if weeks else None
    loaded = False
    try:
        if replay:
            replay.set(dt.datetime.combine(first, dt.time(8), CHINA))
        load(api, rng, args, categories, now, first, replay)
        loaded = True
    finally:
        if replay:
            try:
                if loaded:  # cut short, nobody waits for the inbox to settle
                    quiet_down(api, now.astimezone(dt.UTC))
            finally:
                replay.restore()
    return 0


def load(api, rng, args, categories, now, first, replay):
    today = now.date()
    started = time.monotonic()
    units = build_units(rng)
    created = sum(api.create("/api/v1/units", unit, f"creating unit {unit['code']}")
                  for unit in units)
    print(f"units: {created} created, {len(units) - created} existed")
    add_users(api, args.password)

    reports, created, titles, bodies = [], 0, collections.Counter(), []
    for number in range(1, args.tasks + 1):
        task, past = build_task(rng, number, now.year, rng.choice(categories), today)
        titles[task["title"]] += 1
        if titles[task["title"]] > 1:
            task["title"] += f"（第{titles[task['title']]}批）"
        task_reports = build_reports(rng, task, past, now)
        bodies.append(task)
        if api.create("/api/v1/tasks", task, f"creating task {task['code']}"):
            created += 1
            reports += task_reports
    print(f"tasks: {created} created, {args.tasks - created} existed")

    # What was sent before the first replayed day is posted at once, as received
    # when it was sent; the rest on its day.
    by_day = collections.defaultdict(list)
    for report in reports:
        by_day[max(first, utc(report["received_at"]).astimezone(CHINA).date())].append(report)
    tally = collections.Counter(accepted=0, rejected=0)
    backlog = by_day.pop(first, [])
    post_progress(api, backlog, tally)
    wait_applied(api, backlog)
    ranking_rng = random.Random(f"{args.seed}-ranking")
    if replay:
        office = Calendar(api)
        units_at_work = Units(api, args.seed)
        scored, published, bulletins, evaluations = set(), [], 0, 0
        # The office evaluates on the last working day of each week, and every
        # working day of the last DAILY_WEEKS weeks.
        daily = today - dt.timedelta(days=today.weekday() + 7 * DAILY_WEEKS)
        day = first
        while day < today:
            day_reports = by_day.pop(day, [])
            latest = max((utc(item["received_at"]) for item in day_reports),
                         default=dt.datetime.combine(day, EVENING, CHINA))
            replay.set(max(dt.datetime.combine(day, EVENING, CHINA), latest))
            post_progress(api, day_reports, tally)
            wait_applied(api, day_reports)
            if not office.working(day):
                day += dt.timedelta(days=1)
                continue
            issued = 0
            if day >= daily or not any(office.working(day + dt.timedelta(days=n))
                                       for n in range(1, 7 - day.weekday())):
                issued = evaluate(api, day)["notices_issued"]
                evaluations += 1
            units_at_work.work(day, issued)
            period = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
            if period not in scored and quarter_end(day) - day < dt.timedelta(days=14):
                score_partners(api, ranking_rng, bodies, count=20)
                scored.add(period)
            # A quarter the replay saw the end of, published on the first working day
            # after it.
            ended = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1) - dt.timedelta(days=1)
            if ended >= first and previous_quarter(day) not in published:
                publish(api, previous_quarter(day))
                published.append(previous_quarter(day))
            monday = day - dt.timedelta(days=day.weekday())
            if monday - dt.timedelta(days=7) >= first and not any(
                    office.working(monday + dt.timedelta(days=n)) for n in range(day.weekday())):
                bulletins += issue_bulletin(api, monday - dt.timedelta(days=7))
            day += dt.timedelta(days=1)
        replay.set(now)
        last_week = today - dt.timedelta(days=today.weekday() + 7)
        if last_week >= first:
            bulletins += issue_bulletin(api, last_week)
        print(f"replayed {(today - first).days} days from {first}: {evaluations} evaluations,"
              f" bulletins of {bulletins} weeks signed; units: "
              + ", ".join(f"{count} {what}" for what, count in
                          sorted(units_at_work.figures.items())))
    for day_reports in by_day.values():  # today's
        post_progress(api, day_reports, tally)
    print(f"progress: {tally['accepted']} reports accepted, {tally['rejected']} rejected")
    assign_fresh_matters(api, rng, today)
    wait_coloured(api, args.tasks)
    evaluate(api, today)
    print_counts(api, today)
    score_partners(api, ranking_rng, bodies)
    publish(api, previous_quarter(today))
    print(f"loaded in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
