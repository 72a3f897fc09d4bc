"""Reading a year's holidays from the State Council's notice, as published.

In: the year and the notice's text, pasted as it stands (《国务院办公厅关于2027年部分
节假日安排的通知》): a preamble, then one numbered section a festival, such as

    一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。1月4日（周一）上班。
    二、春节：2月6日（农历除夕、周六）至14日（农历正月初八、周日）放假调休，共9天。2月20日（周六）上班。

then closing paragraphs. Out: the holidays (day, festival) and make-up working
days it states, line by line, so the office sees what was understood before
anything is saved.

Every numbered section must be understood whole, and every sentence stating days
must say whether they are days off (放假, 补休, 休息) or worked (上班). A weekday
named beside a day must be that day's (the notice of another year pasted by
mistake), and "共N天" must count the days off. Anything else is refused with the
line named: InvalidInput, nothing half-read.
"""
import datetime as dt
import re

from services.common.dates import chinese_date
from services.common.errors import InvalidInput
from services.common.workdays import OFFICE, Year

NUMERALS = "一二三四五六七八九十"
HEADING = re.compile(rf"^[（(]?([{NUMERALS}]+|\d+)[)）]?[、.．]\s*(.+?)\s*[：:]\s*(.*)$")
# A day as the notice writes it: 2027年1月1日, 1月1日 or 3日 (the month before it),
# with what it says of the day in brackets: （周五）, （农历正月初七、星期日）.
DAY = r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日(?:\s*[（(]([^）)]*)[）)])?"
DAY_RE = re.compile(DAY)
RANGE_RE = re.compile(rf"{DAY}\s*(?:至|—|－|-|~|～)\s*{DAY}")
COUNT_RE = re.compile(r"(?:共|放假)\s*(\d+)\s*天")
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
WEEKDAY_RE = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
WEEKDAY_NAMES = "一二三四五六日"
OFF_WORDS = ("放假", "补休", "休息", "休假")
WORK_WORDS = ("上班",)
MAX_TEXT = 20_000


def parse_notice(year, text):
    """{year, holidays: [{date, name}], workdays: [date], lines: [{line, text,
    name, holidays, workdays}], other_years: [{date, kind, name}]}: what the
    notice says of `year`, each festival with the line it came from; days it
    states of another year (a New Year holiday that begins in December) are
    listed apart and not kept. InvalidInput naming the line that could not be
    read, or when the text states no day at all."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput({"text": "请粘贴国务院办公厅节假日安排通知的全文"})
    if len(text) > MAX_TEXT:
        raise InvalidInput({"text": f"通知全文最多{MAX_TEXT:,}个字符"})
    mentioned = {int(found) for found in re.findall(r"关于\s*(\d{4})\s*年", text)}
    if mentioned and year not in mentioned:
        raise InvalidInput({"text": f"这是{'、'.join(map(str, sorted(mentioned)))}年的通知，"
                                    f"不是{year}年的"})
    holidays, workdays, lines, others = {}, set(), [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("\u3000", " ")
        heading = HEADING.match(line)
        if heading is None:
            if DAY_RE.search(line) and any(word in line for word in OFF_WORDS + WORK_WORDS):
                raise InvalidInput({"text": _where(number, line, "这一行写有放假或上班的日期，"
                                                  "但不在“一、节日名：……”这样的编号条目中")})
            continue  # the preamble, the closing paragraphs, the signature
        name = heading.group(2).strip()
        off, worked = _section(year, heading.group(3), number, line)
        entry = {"line": number, "text": line, "name": name, "holidays": [], "workdays": []}
        for day in off:
            if day.year != year:
                others.append({"date": day.isoformat(), "kind": "holiday", "name": name})
                continue
            if day in holidays and holidays[day] != name:
                name_before = holidays[day]
                raise InvalidInput({"text": _where(
                    number, line, f"{chinese_date(day)}已在“{name_before}”中列为假日")})
            holidays[day] = name
            entry["holidays"].append(day.isoformat())
        for day in worked:
            if day.year != year:
                others.append({"date": day.isoformat(), "kind": "workday", "name": name})
                continue
            workdays.add(day)
            entry["workdays"].append(day.isoformat())
        lines.append(entry)
    clash = sorted(set(holidays) & workdays)
    if clash:
        raise InvalidInput({"text": f"{chinese_date(clash[0])}既列为放假又列为上班"})
    if not holidays and not workdays:
        raise InvalidInput({"text": "没有读到任何放假或上班的日期：请粘贴“一、元旦：1月1日……放假”"
                                    "这样的编号条目"})
    return {"year": year,
            "holidays": [{"date": day.isoformat(), "name": name}
                         for day, name in sorted(holidays.items())],
            "workdays": [day.isoformat() for day in sorted(workdays)],
            "lines": lines, "other_years": others}


def _section(year, body, number, line):
    """(days off, days worked) of one numbered section."""
    off, worked = [], []
    sentences = [part.strip() for part in re.split(r"[。；;]", body) if part.strip()]
    if not sentences:
        raise InvalidInput({"text": _where(number, line, "条目中没有日期")})
    for sentence in sentences:
        if not DAY_RE.search(sentence):
            if any(word in sentence for word in OFF_WORDS + WORK_WORDS):
                raise InvalidInput({"text": _where(number, line, f"“{sentence}”中没有日期")})
            continue  # "不调休", "共3天" said on its own
        days = _days(year, sentence, number, line)
        is_work = any(word in sentence for word in WORK_WORDS)
        is_off = any(word in sentence for word in OFF_WORDS)
        if is_work == is_off:
            raise InvalidInput({"text": _where(
                number, line, f"无法判断“{sentence}”中的日期是放假还是上班")})
        if is_work:
            worked.extend(days)
            continue
        stated = COUNT_RE.search(sentence)
        if stated and int(stated.group(1)) != len(days):
            raise InvalidInput({"text": _where(
                number, line, f"写明共{stated.group(1)}天，但列出的日期是{len(days)}天")})
        off.extend(days)
    if not off and not worked:
        raise InvalidInput({"text": _where(number, line, "条目中没有放假或上班的日期")})
    return off, worked


def _days(year, sentence, number, line):
    """Every day a sentence names, its ranges spelt out, in order."""
    days, taken = [], []
    for match in RANGE_RE.finditer(sentence):
        first = _day(year, None, match.groups()[:4], number, line)
        last = _day(first.year, first.month, match.groups()[4:], number, line)
        if last < first:
            raise InvalidInput({"text": _where(number, line,
                                               f"{chinese_date(first)}至{chinese_date(last)}的顺序不对")})
        if (last - first).days > 31:
            raise InvalidInput({"text": _where(number, line,
                                               f"{chinese_date(first)}至{chinese_date(last)}超过一个月")})
        day = first
        while day <= last:
            days.append(day)
            day += dt.timedelta(days=1)
        taken.append(match.span())
    month = None
    for match in DAY_RE.finditer(sentence):
        if any(start <= match.start() < end for start, end in taken):
            continue
        day = _day(year, month, match.groups(), number, line)
        month = day.month
        days.append(day)
    return days


def _day(year, month, groups, number, line):
    """A day from a DAY match's groups (year, month, day, bracket): the notice's
    year and the month before it where the text leaves them out; the weekday in
    the brackets checked."""
    year_text, month_text, day_text, bracket = groups
    year = int(year_text) if year_text else year
    month = int(month_text) if month_text else month
    if month is None:
        raise InvalidInput({"text": _where(number, line, f"“{day_text}日”没有写月份")})
    try:
        day = dt.date(year, month, int(day_text))
    except ValueError:
        raise InvalidInput({"text": _where(
            number, line, f"{year}年{month}月{day_text}日不是有效的日期")}) from None
    named = WEEKDAY_RE.search(bracket or "")
    if named and WEEKDAYS[named.group(1)] != day.weekday():
        raise InvalidInput({"text": _where(
            number, line, f"{chinese_date(day)}是星期{WEEKDAY_NAMES[day.weekday()]}，"
                          f"通知写的是“{named.group(0)}”：请核对年份")})
    return day


def _where(number, line, problem):
    shown = line if len(line) <= 40 else line[:40] + "…"
    return f"第{number}行（{shown}）：{problem}"


# What the office enters ---------------------------------------------------------

MAX_NAME = 40


def year_from_input(year, holidays, workdays):
    """A workdays.Year from what the office sends (`holidays`: [{date, name}],
    `workdays`: [date], ISO dates of that year), every problem named in Chinese:
    InvalidInput. A make-up working day is a Saturday or a Sunday, and no day is
    both off and worked."""
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise InvalidInput({"year": "年份应在2000年至2100年之间"})
    problems = {}
    off = {}
    if not isinstance(holidays, list) or len(holidays) > 366:
        problems["holidays"] = "放假日期应为列表（每项含 date 与 name），最多366项"
        holidays = []
    for at, item in enumerate(holidays):
        where = f"holidays[{at}]"
        if not isinstance(item, dict):
            problems[where] = "应含 date（日期）与 name（节日名称）"
            continue
        day = _entered_day(item.get("date"), year, where, problems)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            problems[f"{where}.name"] = f"节日名称不能为空，最多{MAX_NAME}个字"
            continue
        if day is None:
            continue
        if day in off:
            problems[where] = f"{chinese_date(day)}重复列出"
        off[day] = name.strip()
    worked = set()
    if not isinstance(workdays, list) or len(workdays) > 366:
        problems["workdays"] = "调休上班日期应为列表，最多366项"
        workdays = []
    for at, value in enumerate(workdays):
        where = f"workdays[{at}]"
        day = _entered_day(value, year, where, problems)
        if day is None:
            continue
        if day.weekday() < 5:
            problems[where] = (f"{chinese_date(day)}是星期{WEEKDAY_NAMES[day.weekday()]}，"
                               "本来就上班；调休上班日应为周六或周日")
        elif day in off:
            problems[where] = f"{chinese_date(day)}已列为放假，不能同时列为上班"
        worked.add(day)
    if problems:
        raise InvalidInput(problems)
    return Year(year, off, frozenset(worked), OFFICE)


def _entered_day(value, year, where, problems):
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        problems[where] = "日期格式应为 YYYY-MM-DD"
        return None
    if day.year != year:
        problems[where] = f"{chinese_date(day)}不在{year}年内"
        return None
    return day
