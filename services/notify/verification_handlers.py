"""The notify service's handlers of 复核 (the office checking a unit's closing,
13710 stage or kept commitment): each request, confirmation and send-back is
noted for the weekly bulletin's section on verification
(logic.verification_section). Mixed into the Service of service.py."""
from services.common.consuming import applied_once, event_handler

from . import logic
from . import repository as repo
from .schemas import VerificationConfirmedIn, VerificationRequestedIn, VerificationReturnedIn


class VerificationHandlers:

    @event_handler("tasks", "verification_requested")
    @applied_once(VerificationRequestedIn)
    def on_verification_requested(self, session, event):
        item = event["verification"]
        kind = logic.VERIFY_WAITING if event["pending"] else logic.VERIFY_COUNTED
        self._verification_fact(session, kind, item, self.clock.day_of(event["occurred_at"]),
                                "提交复核" if event["pending"] else "申请，已计入")

    @event_handler("tasks", "verification_confirmed")
    @applied_once(VerificationConfirmedIn)
    def on_verification_confirmed(self, session, event):
        self._verification_fact(session, logic.VERIFY_CONFIRMED, event["verification"],
                                self.clock.day_of(event["occurred_at"]), "复核确认")

    @event_handler("tasks", "verification_returned")
    @applied_once(VerificationReturnedIn)
    def on_verification_returned(self, session, event):
        reason = event["reason"].rstrip("。")
        self._verification_fact(session, logic.VERIFY_RETURNED, event["verification"],
                                event["effective_on"], f"复核退回：{reason}")

    def _verification_fact(self, session, kind, item, day, words):
        repo.save_facts(session, [{
            "kind": kind, "key": f"v{item['id']}", "task": item["task"], "unit": item["unit"],
            "detail": logic.verification_detail(item, words), "day": day}])
