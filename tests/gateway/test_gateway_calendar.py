"""The working-day calendar's routes: who may read and enter a year, and what the
warnings service is asked."""
import io

import openpyxl

ADMIN = {"user": "admin", "role": "admin", "units": None}
BODY = {"holidays": [{"date": "2027-01-01", "name": "元旦"}], "workdays": ["2027-02-20"],
        "note": "据国办发明电录入"}


def sheet(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_everyone_signed_in_reads_the_calendar(client, operator, fake_rpc):
    assert client.get("/api/v1/calendar", headers=operator).json()["coverage"]["warn"] is True
    year = client.get("/api/v1/calendar/2027", headers=operator).json()
    assert year["source"] == "provisional"
    assert client.get("/api/v1/calendar/2027").status_code == 401
    assert client.get("/api/v1/calendar/1999", headers=operator).status_code == 422


def test_only_the_office_enters_a_year(client, admin, operator, leader, fake_rpc):
    for who in (operator, leader):
        assert client.put("/api/v1/calendar/2027", json=BODY, headers=who).status_code == 403
    answer = client.put("/api/v1/calendar/2027", json=BODY, headers=admin)
    assert answer.status_code == 200 and answer.json()["version"] == 1
    assert fake_rpc.called("warnings.update_calendar") == [{
        "year": 2027, "holidays": BODY["holidays"], "workdays": BODY["workdays"],
        "note": BODY["note"], "caller": ADMIN}]


def test_what_get_answers_can_be_put_back_with_a_note(client, admin, fake_rpc):
    got = client.get("/api/v1/calendar/2027", headers=admin).json()
    answer = client.put("/api/v1/calendar/2027", json={**got, **BODY}, headers=admin)
    assert answer.status_code == 200


def test_a_year_is_entered_with_a_note_and_in_its_own_address(client, admin, fake_rpc):
    no_note = {key: value for key, value in BODY.items() if key != "note"}
    assert client.put("/api/v1/calendar/2027", json=no_note, headers=admin).status_code == 422
    other = client.put("/api/v1/calendar/2027", json={**BODY, "year": 2028}, headers=admin)
    assert other.status_code == 422 and "不一致" in other.json()["detail"]["year"]
    bad_day = {**BODY, "workdays": ["2027-02-30"]}
    assert client.put("/api/v1/calendar/2027", json=bad_day, headers=admin).status_code == 422
    assert fake_rpc.called("warnings.update_calendar") == []


def test_a_notice_is_read_without_saving(client, admin, operator, fake_rpc):
    text = {"text": "一、元旦：1月1日（周五）放假，共1天。"}
    assert client.post("/api/v1/calendar/2027/parse", json=text,
                       headers=operator).status_code == 403
    answer = client.post("/api/v1/calendar/2027/parse", json=text, headers=admin)
    assert answer.status_code == 200 and answer.json()["changes"]["to_holiday"] == ["2027-01-01"]
    refused = client.post("/api/v1/calendar/2027/parse", json={"text": "安排好值班"},
                          headers=admin)
    assert refused.status_code == 422
    assert fake_rpc.called("warnings.update_calendar") == []


def test_a_sheet_of_dates_is_read_row_by_row(client, admin, fake_rpc):
    content = sheet([["日期", "类型", "名称"], ["2027-01-01", "放假", "元旦"],
                     ["2027-02-20", "上班", None]])
    answer = client.post("/api/v1/calendar/2027/spreadsheet", headers=admin,
                         files={"file": ("2027.xlsx", content)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["holidays"] == [{"date": "2027-01-01", "name": "元旦"}]
    assert [line["row"] for line in answer.json()["lines"]] == [2, 3]
    wrong = sheet([["日期", "类型", "名称"], ["2027-01-01", "休假吧", "元旦"],
                   ["明天", "上班", ""]])
    refused = client.post("/api/v1/calendar/2027/spreadsheet", headers=admin,
                          files={"file": ("2027.xlsx", wrong)})
    assert refused.status_code == 422
    assert [(e["row"], e["field"]) for e in refused.json()["detail"]["errors"]] == [
        (2, "类型"), (3, "日期")]
    assert [e["message"] for e in refused.json()["detail"]["errors"]] == [
        "类型应为“放假”或“上班”。", "日期应按 2027-01-01 的格式填写。"]
    assert fake_rpc.called("warnings.preview_calendar") == [{
        "year": 2027, "holidays": [{"date": "2027-01-01", "name": "元旦"}],
        "workdays": ["2027-02-20"]}]


def test_the_office_sees_the_tasks_no_calendar_could_judge(client, admin, operator):
    assert client.get("/api/v1/warnings/unjudged", headers=admin).json() == {"items": []}
    assert client.get("/api/v1/warnings/unjudged", headers=operator).status_code == 403
