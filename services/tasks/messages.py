"""What the tasks service tells people about the times of a report or a 13710
stage, in Chinese, beside a stable code for machines. Dates are shown as people
read them (2026年12月5日)."""

# The client's own time of each kind of record, as people call it.
OWN_TIME = {"reported_at": "报送时间", "recorded_at": "完成时间"}


def chinese_day(moment):
    return f"{moment.year}年{moment.month}月{moment.day}日"


def too_old(field, moment, received, days):
    """A client's own time (`field`) more than `days` days before its receipt."""
    return {"code": f"{field}_too_old",
            "message": f"{OWN_TIME[field]}（{chinese_day(moment)}）早于平台收到时间"
                       f"（{chinese_day(received)}）{days}天以上。时效以平台收到时间为准："
                       "请填写实际时间；确属线下已按时报送的，请联系督查办更正收到时间。"}


def in_future(field):
    return {"code": f"{field}_in_future",
            "message": f"{OWN_TIME[field]}晚于平台收到时间：请检查设备时钟后重新报送。"}


RECEIVED_AT_OFFICE_ONLY = {
    "code": "received_at_office_only",
    "message": "收到时间由平台记录，只有督查办可以补录或更正。"}
RECEIVED_AT_IN_FUTURE = {
    "code": "received_at_in_future",
    "message": "收到时间不能晚于平台当前时间。"}
