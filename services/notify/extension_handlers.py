"""The notify service's handlers of the units' extension requests and the
office's decisions: noted for the weekly bulletin's section on them (logic.
extension_section). Mixed into the Service of service.py."""
from services.common.consuming import applied_once, event_handler

from . import logic
from . import repository as repo
from .schemas import ExtensionDecidedIn, ExtensionRequestedIn


def _day(date):
    return f"{date.year}年{date.month}月{date.day}日"


def _what(seq):
    return "任务完成时限" if seq is None else f"第{seq}个目标时限"


class ExtensionHandlers:

    @event_handler("tasks", "extension_requested")
    @applied_once(ExtensionRequestedIn)
    def on_extension_requested(self, session, event):
        repo.save_facts(session, [{
            "kind": "ext_requested", "key": str(event["request_id"]), "task": event["task"],
            "unit": event["unit"],
            "detail": f"申请{_what(event['seq'])}延至{_day(event['asked_due_date'])}",
            "day": self.clock.day_of(event["occurred_at"])}])

    @event_handler("tasks", "extension_decided")
    @applied_once(ExtensionDecidedIn)
    def on_extension_decided(self, session, event):
        outcome = logic.EXTENSION_OUTCOMES.get(event["outcome"], event["outcome"])
        granted = event["granted_due_date"]
        repo.save_facts(session, [{
            "kind": "ext_decided", "key": str(event["request_id"]), "task": event["task"],
            "unit": event["unit"],
            "detail": outcome + (f"：{_what(event['seq'])}延至{_day(granted)}" if granted
                                 else "：维持原时限"),
            "day": event["effective_on"]}])
