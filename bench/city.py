"""A deterministic city at Yichun's scale (seeded): its units, its task library
with monthly targets, and a month of progress with a realistic spread.

At scale 1: 1 supervision office, 21 lead units (牵头单位), 112 responsible units
(责任单位), 10 counties; 20,382 tasks with lead and cooperating units; 135,000
monthly targets; 135,000 progress updates in the month before `today`. Units do
not scale; tasks, targets and updates do (`scale`).

Every task follows a linear plan of monthly targets, some already due, the next
one due at the end of this month. Its progress before the month (the opening
balance) and at the end of it are drawn so that most tasks are on plan, about 1%
slightly behind (yellow) and about 16% far behind (red), as in Yichun's figures
(3,359 red and 174 yellow of 20,382).
"""
import calendar
import datetime as dt
import random
from dataclasses import dataclass, field

TASKS = 20_382
TARGETS = 135_000
UPDATES = 135_000
MONTH_DAYS = 30  # the month of progress the bench posts
LEAD_UNITS = 21
RESPONSIBLE_UNITS = 112
COUNTIES = 10
MAX_TARGETS_PER_TASK = 12
# Shares of tasks by how far behind their plan they end the month.
SHARE_RED = 0.165
SHARE_YELLOW = 0.012
CATEGORIES = ("产业发展", "项目建设", "改革攻坚", "民生实事", "城乡建设", "生态环保", "营商环境")
COUNTY_NAMES = ("袁州区", "樟树市", "丰城市", "高安市", "靖安县", "奉新县", "上高县", "宜丰县",
                "铜鼓县", "万载县")


@dataclass
class Task:
    code: str
    title: str
    lead_unit: str
    cooperating_units: list
    category: str
    start_date: dt.date
    due_date: dt.date
    targets: list  # [{"due_date", "planned_percent", "unit"}]
    opening: float  # cumulative percent before the month
    closing: float  # cumulative percent at the end of the month
    pace: str  # on_plan, behind (yellow), far_behind (red)

    def body(self):
        """The v1 task body (POST /api/v1/tasks, or a row of an import)."""
        return {
            "code": self.code, "title": self.title, "lead_unit": self.lead_unit,
            "cooperating_units": self.cooperating_units, "category": self.category,
            "source": "plan", "start_date": self.start_date.isoformat(),
            "due_date": self.due_date.isoformat(), "responsible_person": "责任人",
            "targets": [{**target, "due_date": target["due_date"].isoformat()}
                        for target in self.targets],
        }


@dataclass
class City:
    seed: int
    scale: float
    today: dt.date
    units: list = field(default_factory=list)  # v1 unit bodies, parents first
    tasks: list = field(default_factory=list)
    updates: list = field(default_factory=list)  # the month, in time order

    @property
    def target_count(self):
        return sum(len(task.targets) for task in self.tasks)

    def counts(self):
        kinds = {}
        for unit in self.units:
            kinds[unit["kind"]] = kinds.get(unit["kind"], 0) + 1
        return {"units": len(self.units), "lead_units": LEAD_UNITS,
                "responsible_units": RESPONSIBLE_UNITS, "counties": kinds.get("county", 0),
                "tasks": len(self.tasks), "targets": self.target_count,
                "updates": len(self.updates),
                "paces": {pace: sum(task.pace == pace for task in self.tasks)
                          for pace in ("on_plan", "behind", "far_behind")}}

    def opening_balance(self):
        """One update per task with progress before the month, dated the day
        before the month starts: the state a county system had already sent.
        Received then too: the bench loads as the office, which may say when a
        report was received (timeliness is judged by receipt)."""
        moment = _moment(self.today - dt.timedelta(days=MONTH_DAYS + 2), 9 * 3600)
        return [{"task": task.code, "unit": task.lead_unit, "percent": task.opening,
                 "reported_at": moment, "received_at": moment, "note": "上月累计"}
                for task in self.tasks if task.opening > 0]


def _month_end(year, month):
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year, month, months):
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _spread(total, parts, rng, low=1, high=MAX_TARGETS_PER_TASK):
    """`parts` whole numbers in [low, high] summing to `total` exactly."""
    counts = [low] * parts
    rest = total - low * parts
    if rest < 0 or total > high * parts:
        raise ValueError(f"cannot spread {total} over {parts} parts in [{low}, {high}]")
    open_parts = list(range(parts))
    while rest:
        index = rng.randrange(len(open_parts))
        part = open_parts[index]
        counts[part] += 1
        rest -= 1
        if counts[part] == high:
            open_parts[index] = open_parts[-1]
            open_parts.pop()
    return counts


def _moment(day, seconds):
    return (dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
            ).replace(tzinfo=dt.UTC).isoformat()


def planned_on(task, day):
    """The plan's cumulative percent on `day` (linear between targets, as the
    warnings service reads a plan)."""
    points = [(task.start_date, 0.0)] + [(t["due_date"], t["planned_percent"])
                                         for t in task.targets]
    if day <= points[0][0]:
        return 0.0
    for (d0, p0), (d1, p1) in zip(points, points[1:], strict=False):
        if day <= d1:
            span = (d1 - d0).days
            return p1 if span <= 0 else p0 + (p1 - p0) * (day - d0).days / span
    return points[-1][1]


def build_city(scale, seed, today):
    """The city at `scale` (1: Yichun), the same for the same seed and day: the
    caller names the day (bench.options.today, the city's own), never the machine's."""
    rng = random.Random(seed)
    city = City(seed=seed, scale=scale, today=today)
    phone = iter(range(13_800_000_000, 14_000_000_000))

    def person(name, code):
        return {"name": name, "phone": str(next(phone)), "email": f"{code}@city.example"}

    city.units.append({"code": "dcb", "name": "市督查办", "kind": "office",
                       "head": person("督查办主任", "dcb"),
                       "operator": person("督查办专员", "dcb-op")})
    leads = [f"L{n:02d}" for n in range(1, LEAD_UNITS + 1)]
    for code in leads:
        city.units.append({"code": code, "name": f"市牵头单位{code}", "kind": "department",
                           "head": person(f"{code}负责人", code),
                           "operator": person(f"{code}联络员", f"{code}-op")})
    responsible = [f"R{n:03d}" for n in range(1, RESPONSIBLE_UNITS + 1)]
    for code in responsible:
        city.units.append({"code": code, "name": f"责任单位{code}", "kind": "department",
                           "parent": rng.choice(leads), "head": person(f"{code}负责人", code),
                           "operator": person(f"{code}联络员", f"{code}-op")})
    counties = [f"C{n:02d}" for n in range(1, COUNTIES + 1)]
    for code, name in zip(counties, COUNTY_NAMES, strict=True):
        city.units.append({"code": code, "name": name, "kind": "county",
                           "head": person(f"{name}负责人", code),
                           "operator": person(f"{name}联络员", f"{code}-op")})

    task_count = max(1, round(TASKS * scale))
    target_count = max(task_count, round(TARGETS * scale))
    update_count = max(task_count, round(UPDATES * scale))
    per_task = _spread(target_count, task_count, rng)
    updates_per_task = _spread(update_count, task_count, rng, high=60)
    helpers = responsible + counties
    for number in range(task_count):
        code = f"YC{number + 1:05d}"
        # Most tasks are led by a city unit; the counties lead their own.
        lead = rng.choice(leads) if rng.random() < 0.7 else rng.choice(counties)
        cooperating = sorted(set(rng.sample(helpers, rng.randint(0, 3))) - {lead})
        k = per_task[number]
        # Targets already due before this month; the next one is due this month.
        # Most plans are annual: they end with the year where they can.
        due_before = rng.randint(0, k - 1) if k > 1 else 0
        due_before = min(k - 1, max(due_before, k - 1 - (12 - today.month)))
        year, month = _add_months(today.year, today.month, -due_before)
        start = dt.date(year, month, 1)
        targets = []
        for seq in range(k):
            y, m = _add_months(year, month, seq)
            owner = lead if not cooperating or seq % 2 == 0 else rng.choice(cooperating)
            targets.append({"due_date": _month_end(y, m),
                            "planned_percent": round(100 * (seq + 1) / k, 1),
                            "unit": owner, "description": f"第{seq + 1}个月目标"})
        task = Task(code, f"重点任务{code}", lead, cooperating, rng.choice(CATEGORIES), start,
                    targets[-1]["due_date"], targets, 0.0, 0.0, "on_plan")
        plan_now = planned_on(task, today)
        plan_then = planned_on(task, today - dt.timedelta(days=30))
        draw = rng.random()
        if draw < SHARE_RED:
            task.pace, behind = "far_behind", rng.uniform(32, 45)
        elif draw < SHARE_RED + SHARE_YELLOW:
            task.pace, behind = "behind", rng.uniform(12, 25)
        else:
            behind = -rng.uniform(0, 5)
        task.closing = round(min(100.0, max(0.0, plan_now - behind)), 1)
        task.opening = round(min(task.closing, max(0.0, plan_then - max(behind, 0)
                                                   - rng.uniform(0, 3))), 1)
        if task.closing < 1 and task.pace == "on_plan":
            task.closing = 1.0  # something happened this month
        city.tasks.append(task)

    # The month's updates: each task's percentage rises from its opening to its
    # closing balance over its updates, at moments spread over 30 days that end
    # at midnight UTC before yesterday: in the past in every time zone whatever
    # the hour, since the tasks service refuses reports from the future.
    month_start = today - dt.timedelta(days=MONTH_DAYS + 1)
    for task, count in zip(city.tasks, updates_per_task, strict=True):
        moments = sorted(rng.randrange(0, MONTH_DAYS * 86_400) for _ in range(count))
        for step, seconds in enumerate(moments, start=1):
            percent = round(task.opening + (task.closing - task.opening) * step / count, 1)
            # The month's reports, received when sent: the bench loads them as
            # the office, which may say when a report was received.
            moment = _moment(month_start, seconds)
            city.updates.append({"task": task.code, "unit": task.lead_unit,
                                 "percent": percent, "note": "月度进展",
                                 "reported_at": moment, "received_at": moment})
    city.updates.sort(key=lambda update: (update["reported_at"], update["task"]))
    return city


def batches_by_client(updates, clients, size=1000):
    """The updates split among `clients` county systems, each owning a disjoint
    set of tasks (so that each task's reports stay in order), in batches of at
    most `size`, each batch in time order: [[batch, ...] per client]."""
    owned = [[] for _ in range(clients)]
    for update in updates:
        owned[int(update["task"][2:]) % clients].append(update)
    return [[items[i:i + size] for i in range(0, len(items), size)] for items in owned]
