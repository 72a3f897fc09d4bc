"""The notify service's handlers of leaders' instructions, stage feedback, task
threads and accountability records: a thread message reaches the other side's
inbox through the routing rules, and the rest is noted for the weekly
bulletin's sections on leaders' matters and on accountability. Mixed into the
Service of service.py."""
import datetime as dt

from services.common.consuming import applied_once, event_handler

from . import logic
from . import repository as repo
from .schemas import (
    AccountabilityOpenedIn,
    InstructionCorrectedIn,
    InstructionGivenIn,
    RectificationOverdueIn,
    StageFeedbackGivenIn,
    TaskMessagePostedIn,
)

SIDE_NAMES = {"office": "督查办", "unit": "责任单位", "leader": "领导"}
STAGE_NAMES = {"deployed": "部署", "first_feedback": "首次反馈", "closed": "办结"}
QUESTION_NAMES = {"accountability": "问责", "results": "问效", "plans": "问计"}


def _short(text, length=60):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length - 1] + "…"


def _instruction_detail(event):
    """An instruction's line in the bulletin."""
    kind = "再批示" if event["kind"] == "follow_up" else "批示"
    return f"{event['leader_name']}{kind}（{event['given_on']}）：{_short(event['text'])}"


class LeadersHandlers:

    @event_handler("tasks", "task_message_posted")
    @applied_once(TaskMessagePostedIn)
    def on_task_message_posted(self, session, event):
        """Tell the other side of a task's thread: the units' operators and/or the
        office, by the task_message_posted routing rules (inbox by default). The
        texts name the author as the event does (by login for an event from
        before the tasks service named authors) and, for a unit's message, the
        unit by its name."""
        local = self.clock.now()
        now = logic.to_utc(local)
        units = set(event["to_units"]) | {event["author_unit"]} - {None}
        names = repo.unit_names(session, units)
        posted = dt.datetime.fromisoformat(event["posted_at"])
        if posted.tzinfo is None:
            posted = posted.replace(tzinfo=dt.UTC)
        posted = posted.astimezone(local.tzinfo)
        unit = event["author_unit"]
        context = {"task": event["task"], "title": event["title"], "author": event["author"],
                   "author_name": event["author_name"] or event["author"],
                   "author_unit_name": names.get(unit, unit) if unit else "",
                   "side_name": SIDE_NAMES.get(event["side"], event["side"]),
                   "excerpt": event["excerpt"], "posted_at": posted.strftime("%Y-%m-%d %H:%M"),
                   "posted_at_words": f"{logic.chinese_date(posted)} {posted:%H:%M}"}

        def occurrence(unit):
            return {"event_type": logic.TASK_MESSAGE, "item": f"message:{event['message_id']}",
                    "unit": unit, "task": event["task"], "colour": None, "as_of": None,
                    "context": {**context, "unit_name": names.get(unit, unit)}}

        if event["to_units"]:
            self._notify(session, [occurrence(unit) for unit in event["to_units"]],
                         event["event_id"], now, local, role=logic.OPERATOR)
        if event["to_office"]:
            self._notify(session, [occurrence(event["author_unit"] or "office")],
                         event["event_id"], now, local, role=logic.OFFICE)

    @event_handler("tasks", "instruction_given")
    @applied_once(InstructionGivenIn)
    def on_instruction_given(self, session, event):
        """Note a leader's instruction for the bulletin's section on leaders' matters."""
        repo.save_facts(session, [{
            "kind": "instruction", "key": f"I{event['instruction_id']}", "task": event["task"],
            "unit": event["lead_unit"], "detail": _instruction_detail(event),
            "day": self.clock.day_of(event["occurred_at"])}])

    @event_handler("tasks", "instruction_corrected")
    @applied_once(InstructionCorrectedIn)
    def on_instruction_corrected(self, session, event):
        """The bulletin reads a corrected instruction's words, name and date: the
        fact noted when it was given is replaced in place, so the instruction
        stays in the week it was given. One given before this service noted
        instructions is noted in the week of its correction."""
        detail = _instruction_detail(event)
        key = f"I{event['instruction_id']}"
        if not repo.replace_fact_detail(session, "instruction", key, detail):
            repo.save_facts(session, [{
                "kind": "instruction", "key": key, "task": event["task"],
                "unit": event["lead_unit"], "detail": detail,
                "day": self.clock.day_of(event["occurred_at"])}])

    @event_handler("tasks", "stage_feedback_given")
    @applied_once(StageFeedbackGivenIn)
    def on_stage_feedback_given(self, session, event):
        """Note the lead unit's feedback at a 13710 stage for the bulletin."""
        files = f"（附件{event['files']}个）" if event["files"] else ""
        stage = STAGE_NAMES.get(event["stage"], event["stage"])
        repo.save_facts(session, [{
            "kind": "feedback", "key": f"F{event['feedback_id']}", "task": event["task"],
            "unit": event["lead_unit"],
            "detail": f"{stage}反馈：{_short(event['text'])}{files}",
            "day": self.clock.day_of(event["occurred_at"])}])

    @event_handler("warnings", "accountability_opened")
    @applied_once(AccountabilityOpenedIn)
    def on_accountability_opened(self, session, event):
        """Note a new accountability record for the bulletin."""
        asked = "、".join(QUESTION_NAMES.get(q, q) for q in event["questions"])
        repo.save_facts(session, [{
            "kind": "accountability", "key": f"A{event['record_id']}", "task": event["task"],
            "unit": event["unit"],
            "detail": f"立案{asked or '问责'}：{_short(event['ground_detail'])}",
            "day": self.clock.day_of(event["occurred_at"])}])

    @event_handler("warnings", "rectification_overdue")
    @applied_once(RectificationOverdueIn)
    def on_rectification_overdue(self, session, event):
        """Note an overdue rectification (red) for the bulletin, on the day judged."""
        repo.save_facts(session, [{
            "kind": "rectification", "key": f"R{event['record_id']}", "task": event["task"],
            "unit": event["unit"],
            "detail": f"整改逾期（限期 {event['deadline']}），已亮红灯",
            "day": event["as_of"]}])
