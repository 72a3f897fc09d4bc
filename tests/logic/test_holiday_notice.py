"""Reading a year's holidays from the State Council's notice as published."""
import pytest

from services.common.errors import InvalidInput
from services.warnings.holiday_notice import parse_notice
from tests.support.holiday_notices import HOLIDAYS_2027, NOTICE_2027, WORKDAYS_2027


def test_the_notice_is_read_day_by_day():
    answer = parse_notice(2027, NOTICE_2027)
    assert {item["date"]: item["name"] for item in answer["holidays"]} == HOLIDAYS_2027
    assert answer["workdays"] == WORKDAYS_2027
    festival = {line["name"]: line for line in answer["lines"]}
    assert list(festival) == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    assert festival["春节"]["line"] == 7
    assert festival["春节"]["workdays"] == ["2027-02-20"]
    assert festival["国庆节"]["workdays"] == ["2027-09-26", "2027-10-09"]
    assert answer["other_years"] == []


def test_older_wordings_and_a_holiday_that_begins_the_year_before():
    text = ("关于2019年部分节假日安排的通知\n"
            "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。\n"
            "二、春节：2月4日至10日放假调休，共7天。2月2日（星期六）、2月3日（星期日）上班。\n"
            "三、国庆节、中秋节：9月30日（星期一）至10月6日放假，共7天。\n")
    answer = parse_notice(2019, text)
    assert answer["holidays"][0] == {"date": "2019-01-01", "name": "元旦"}
    assert {"date": "2018-12-30", "kind": "holiday", "name": "元旦"} in answer["other_years"]
    assert {"date": "2018-12-29", "kind": "workday", "name": "元旦"} in answer["other_years"]
    assert answer["workdays"] == ["2019-02-02", "2019-02-03"]
    assert {"date": "2019-10-06", "name": "国庆节、中秋节"} in answer["holidays"]


@pytest.mark.parametrize("line, words", [
    ("一、元旦：1月1日（周四）至3日（周日）放假，共3天。", "星期五"),  # another year's
    ("一、元旦：1月1日（周五）至3日（周日）放假，共4天。", "共4天"),
    ("一、元旦：1月1日（周五）至3日（周日）调整。", "放假还是上班"),
    ("一、元旦：1月32日放假。", "不是有效的日期"),
    ("一、元旦：3日（周日）放假。", "没有写月份"),
    ("一、元旦：放假。", "没有日期"),
    ("元旦1月1日至3日放假，共3天。", "编号条目"),
])
def test_a_line_it_cannot_read_fully_is_named_and_nothing_is_kept(line, words):
    text = NOTICE_2027.replace("一、元旦：1月1日（周五）至3日（周日）放假，共3天。", line)
    with pytest.raises(InvalidInput) as raised:
        parse_notice(2027, text)
    message = raised.value.detail["text"]
    assert message.startswith("第6行") and words in message, message


@pytest.mark.parametrize("text, words", [
    ("", "全文"),
    ("各地区各部门要安排好值班。", "没有读到任何"),
    (NOTICE_2027.replace("关于2027年", "关于2026年"), "2026年的通知"),
])
def test_a_text_that_is_not_a_notice_of_the_year_is_refused(text, words):
    with pytest.raises(InvalidInput) as raised:
        parse_notice(2027, text)
    assert words in raised.value.detail["text"]
