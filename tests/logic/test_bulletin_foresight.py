"""The weekly bulletin's sections on what is coming (services/notify/logic.py):
the tasks forecast red and the way off the black list, as the office switched
them on, named in Chinese, and said plainly when their service did not answer."""
import datetime as dt

from services.notify import documents, logic
from services.notify.dependencies import Settings

FORECASTS = {"as_of": "2026-11-09", "forecast_red_days": 10, "total": 2, "items": [
    {"task": "T1", "unit": "yz", "red_on": "2026-11-16", "due": "2026-12-31",
     "planned": 100.0, "projected": 62.5},
    {"task": "T2", "unit": "dcb", "red_on": "2026-11-18", "due": "2026-11-30",
     "planned": 50.0, "projected": 12.0}]}
ACCURACY = {"words": "近90天尚无到期的预测红灯"}
WAYS = {"label": "2026年第四季度", "as_of": "2026-11-09", "items": [
    {"unit": "wz", "unit_name": "万载县", "group": "county", "group_label": "县（市、区）",
     "actions": 4, "points": 6.25, "enough": False,
     "note": "红灯事项已达3项，本期无法脱离黑榜。"}]}
NAMES, TITLES = {"yz": "袁州区", "dcb": "市督查办"}, {"T1": "城区污水管网改造"}


def summary(asked):
    return logic.bulletin_summary(dt.date(2026, 11, 2), [], {}, dt.datetime(2026, 11, 9, 8),
                                  foresight=logic.foresight_sections(asked, NAMES, TITLES))


def test_the_tasks_forecast_red_are_counted_named_and_the_forecasts_record_said():
    (section,) = logic.foresight_sections({"forecast": (FORECASTS, ACCURACY)}, NAMES, TITLES)
    assert section["summary"] == ("截至2026年11月9日，按当前进度，预计10天内将亮红灯的事项2项。"
                                  "预测准确情况：近90天尚无到期的预测红灯。")
    assert [(row["task"], row["title"], row["unit_name"], row["detail"])
            for row in section["rows"]] == [
        ("T1", "城区污水管网改造", "袁州区",
         "预计2026年11月16日起亮红灯；预计2026年12月31日仅达62.5%（计划100%）"),
        ("T2", "T2", "市督查办",
         "预计2026年11月18日起亮红灯；预计2026年11月30日仅达12%（计划50%）")]


def test_a_unit_that_cannot_leave_the_black_list_this_period_is_told_why():
    (section,) = logic.foresight_sections({"way_off": WAYS}, NAMES, TITLES)
    assert section["summary"].startswith("2026年第四季度评价排队截至2026年11月9日，列入黑榜1个单位")
    assert [(row["unit_name"], row["title"], row["detail"]) for row in section["rows"]] == [
        ("万载县", "县（市、区）",
         "完成4项事项，可增加6.25分；红灯事项已达3项，本期无法脱离黑榜。")]


def test_sections_appear_as_switched_on_and_say_when_their_service_was_silent():
    assert not {"forecast", "way_off"} & {s["key"] for s in summary({})["sections"]}
    both = summary({"forecast": None, "way_off": None})
    forecast, way_off = both["sections"][-2:]
    assert (forecast["key"], forecast["rows"], forecast["empty"]) == (
        "forecast", [], "预测预警暂不可用，本节未能生成。")
    assert (way_off["key"], way_off["empty"]) == ("way_off", "评价排队服务暂不可用，本节未能生成。")
    assert both["counts"]["forecast"] == 0
    nothing = summary({"forecast": ({**FORECASTS, "total": 0, "items": []}, None),
                       "way_off": {**WAYS, "items": []}})
    assert [s["empty"] for s in nothing["sections"][-2:]] == [
        "本周无预测将亮红灯的事项。", "本期评价排队暂无列入黑榜的单位。"]
    # The office's switches, on unless it says otherwise.
    assert (Settings().bulletin_forecast, Settings().bulletin_way_off) == (True, True)
    off = Settings.from_config({"LUOSHI_BULLETIN_FORECAST": "0", "LUOSHI_BULLETIN_WAY_OFF": "0"})
    assert (off.bulletin_forecast, off.bulletin_way_off) == (False, False)


def test_every_rendering_prints_the_sections_in_order():
    words = summary({"forecast": (FORECASTS, ACCURACY), "way_off": WAYS})
    heading = logic.bulletin_heading("市督查办", "draft")
    html = documents.render_html(words, heading)
    assert html.index("预测将亮红灯事项") < html.index("黑榜单位脱离路径")
    assert "城区污水管网改造" in html and "本期无法脱离黑榜" in html
    assert documents.render_pdf(words, heading).startswith(b"%PDF")
    assert documents.render_docx(words, heading)[:2] == b"PK"
