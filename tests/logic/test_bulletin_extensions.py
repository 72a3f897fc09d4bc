"""The weekly bulletin's section on the units' extension requests."""
import datetime as dt

from services.notify import documents, logic

D = dt.date
MONDAY = D(2026, 11, 30)


def fact(kind, key, day, detail, unit="yz"):
    return {"kind": kind, "key": key, "task": f"T{key}", "unit": unit, "detail": detail,
            "day": day}


EXTENSIONS = [
    fact("ext_requested", "1", D(2026, 11, 20), "申请任务完成时限延至2027年3月31日"),  # earlier
    fact("ext_requested", "2", D(2026, 11, 25), "申请任务完成时限延至2027年1月31日"),  # earlier
    fact("ext_decided", "1", D(2026, 12, 1), "批准：任务完成时限延至2027年3月31日"),
    fact("ext_requested", "3", D(2026, 12, 2), "申请第1个目标时限延至2027年2月1日", "zs"),
    fact("ext_decided", "3", D(2026, 12, 4), "缩短批准：第1个目标时限延至2027年1月15日", "zs"),
    fact("ext_requested", "4", D(2026, 12, 5), "申请任务完成时限延至2027年6月30日"),
    fact("ext_decided", "5", D(2026, 12, 3), "未批准：维持原时限"),
    fact("ext_requested", "6", D(2026, 12, 8), "申请任务完成时限延至2027年6月30日"),  # next week
]


def test_the_week_counts_requests_decisions_and_what_is_pending():
    summary = logic.bulletin_summary(MONDAY, [], {"yz": "袁州区", "zs": "樟树市"},
                                     dt.datetime(2026, 12, 7, 9), [], [],
                                     extensions=EXTENSIONS)
    section = summary["sections"][-1]
    assert section["key"] == "extensions" and section["title"] == "延期申请"
    assert (section["requested"], section["outcomes"], section["pending"]) == (
        2, {"approved": 1, "shortened": 1, "refused": 1}, 2)  # requests 2 and 4 wait
    assert section["summary"] == ("本周新提出延期申请2件；审批3件，其中批准1件、缩短批准1件、"
                                  "未批准1件；截至本周末待审批2件。")
    assert [row["day"] for row in section["rows"]] == [
        "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05"]
    assert section["rows"][1]["unit_name"] == "樟树市"
    assert summary["counts"]["extensions"] == 5
    heading = logic.bulletin_heading("市督查办", "draft")
    html = documents.render_html(summary, heading)
    assert "十、延期申请" in html  # after the overall picture, seven sections and 复核
    assert "截至本周末待审批2件" in html and "缩短批准：第1个目标时限" in html


def test_a_quiet_week_says_so_and_without_the_facts_there_is_no_section():
    summary = logic.bulletin_summary(D(2027, 1, 4), [], {}, dt.datetime(2027, 1, 11, 9), [],
                                     [], extensions=[])
    section = summary["sections"][-1]
    assert section["rows"] == [] and section["empty"] == "本周无延期申请及审批。"
    assert "待审批0件" in section["summary"]
    older = logic.bulletin_summary(MONDAY, [], {}, dt.datetime(2026, 12, 7, 9), [], [])
    assert "extensions" not in older["counts"]
