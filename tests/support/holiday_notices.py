"""A year's holiday notice in the State Council's published format, written for
the tests (2027 is not in the holiday package): its text, and the days it says."""
import datetime as dt

NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
国办发明电〔2026〕9号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2027年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周五）至3日（周日）放假，共3天。
　　二、春节：2月6日（农历除夕、周六）至14日（农历正月初八、周日）放假调休，共9天。2月20日（周六）上班。
　　三、清明节：4月3日（周六）至5日（周一）放假，共3天。
　　四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。5月8日（周六）上班。
　　五、端午节：6月9日（周三）放假，共1天。
　　六、中秋节：9月15日（周三）放假，共1天。
　　七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2026年11月20日
"""


def _span(first, last):
    day, days = dt.date.fromisoformat(first), []
    while day <= dt.date.fromisoformat(last):
        days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


HOLIDAYS_2027 = {
    **dict.fromkeys(_span("2027-01-01", "2027-01-03"), "元旦"),
    **dict.fromkeys(_span("2027-02-06", "2027-02-14"), "春节"),
    **dict.fromkeys(_span("2027-04-03", "2027-04-05"), "清明节"),
    **dict.fromkeys(_span("2027-05-01", "2027-05-05"), "劳动节"),
    "2027-06-09": "端午节",
    "2027-09-15": "中秋节",
    **dict.fromkeys(_span("2027-10-01", "2027-10-07"), "国庆节"),
}
WORKDAYS_2027 = ["2027-02-20", "2027-05-08", "2027-09-26", "2027-10-09"]
BODY_2027 = {"holidays": [{"date": day, "name": name} for day, name in HOLIDAYS_2027.items()],
             "workdays": WORKDAYS_2027, "note": "据国办发明电〔2026〕9号录入"}
