"""The warnings service's entrypoints for supervision notices (督办单) by hand: issued
by the office, acknowledged and answered by the addressed unit, closed by the
office, and read. Mixed into the Service of service.py, whose evaluation issues
the notices that fall due on their own; their rules are in notices.py."""
from services.common.clock import utcnow
from services.common.consuming import rpc
from services.common.events import new_event
from services.common.paging import page
from services.common.scope import allowed, require_allowed, unit_scope
from services.common.text import refuse_unstorable

from . import events, logic, notices
from . import repository as repo
from .calendar import calendar_in_force
from .exceptions import EXPECTED, Forbidden, InvalidInput, NotFound


class NoticeEntrypoints:
    @rpc(expected_exceptions=EXPECTED)
    def issue_notice(self, task, caller, reason):
        """Issue a supervision notice (督办单) on a task by hand (admin only),
        addressed to its lead unit, dated today. Conflict while another notice on
        the task is not closed, or when the task is finished. Answers the notice.
        Emits notice_issued."""
        refuse_unstorable(task=task, reason=reason)
        require_allowed(caller, "notice.issue")
        reason = logic.given_text(reason, "reason")
        with self.db.session() as session:
            row = repo.watched_task(session, task)
            if row is None:
                raise NotFound(f"no task {task}")
            notices.check_task_unfinished(task, row.status)
            notices.check_none_pending(task, repo.pending_notice_on(session, task))
            rules = repo.RULES.current(session)
            return self._issue(session, row.code, row.lead_unit, "task", row.code, reason,
                               self.clock.today(), (caller or {}).get("user") or "admin",
                               rules, calendar_in_force(session, rules.calendar_mode))

    @rpc(expected_exceptions=EXPECTED)
    def acknowledge_notice(self, notice_id, caller):
        """The addressed unit (its operator, or an admin) acknowledges receipt.
        Conflict unless the notice is open. Answers the notice. Emits
        notice_acknowledged."""
        with self.db.session() as session:
            row = self._notice_for(session, notice_id, caller, "notice.acknowledge")
            status = notices.acknowledge(notice_id, row.status)
            now = utcnow()
            repo.acknowledge_notice(session, row.id, status, now, (caller or {}).get("user"))
            self.db.emit(session, events.NOTICE_ACKNOWLEDGED, events.NoticeAcknowledged().dump(
                new_event(acknowledged_at=now.isoformat(), **repo.notice_ids(row))))
            return repo.notice_dict(repo.notice_row(session, row.id))

    @rpc(expected_exceptions=EXPECTED)
    def answer_notice(self, notice_id, answer, caller):
        """The addressed unit answers an acknowledged notice with its plan (not
        empty). Conflict unless the notice is acknowledged. Answers the notice.
        Emits notice_answered."""
        refuse_unstorable(answer=answer)
        answer = logic.given_text(answer, "answer")
        with self.db.session() as session:
            row = self._notice_for(session, notice_id, caller, "notice.answer")
            status = notices.answer(notice_id, row.status)
            now = utcnow()
            repo.answer_notice(session, row.id, status, answer, now,
                               (caller or {}).get("user"))
            self.db.emit(session, events.NOTICE_ANSWERED, events.NoticeAnswered().dump(
                new_event(answered_at=now.isoformat(), **repo.notice_ids(row))))
            return repo.notice_dict(repo.notice_row(session, row.id))

    @rpc(expected_exceptions=EXPECTED)
    def close_notice(self, notice_id, caller, reason=None):
        """Close a notice (admin only): once its item is no longer red, or while it
        is red with the office's decision given as `reason`. Answers the notice.
        Emits notice_closed."""
        refuse_unstorable(reason=reason)
        require_allowed(caller, "notice.close")
        reason = logic.given_text(reason, "reason", required=False)
        with self.db.session() as session:
            row = repo.notice_row(session, notice_id)
            if row is None:
                raise NotFound(f"no notice {notice_id}")
            notices.check_not_closed(notice_id, row.status)
            status = notices.close(
                row.item_key, repo.item_colour(session, row.item_kind, row.item_key), reason)
            now = utcnow()
            repo.close_notice(session, row.id, status, reason, now, (caller or {}).get("user"))
            self.db.emit(session, events.NOTICE_CLOSED, events.NoticeClosed().dump(
                new_event(closed_at=now.isoformat(), reason=reason, **repo.notice_ids(row))))
            return repo.notice_dict(repo.notice_row(session, row.id))

    @rpc(expected_exceptions=EXPECTED)
    def list_notices(self, unit=None, status=None, task=None, limit=100, offset=0):
        """Notices, newest first: {"items": [notice], "total"}."""
        refuse_unstorable(unit=unit, status=status, task=task)
        if status is not None and status not in notices.NOTICE_STATUSES:
            raise InvalidInput({"status": ", ".join(notices.NOTICE_STATUSES)})
        limit, offset = page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.list_notices(session, limit, offset, unit=unit, status=status,
                                     task=task)

    @rpc(expected_exceptions=EXPECTED)
    def get_notice(self, notice_id):
        """One notice with its whole lifecycle."""
        with self.db.session(readonly=True) as session:
            row = repo.notice_row(session, notice_id)
            if row is None:
                raise NotFound(f"no notice {notice_id}")
            moves = repo.deadline_moves(session, [row.id]).get(row.id, [])
        return {**repo.notice_dict(row), "deadline_moves": moves}

    def _notice_for(self, session, notice_id, caller, action):
        """The notice, if the authorisation table lets the caller do `action` on
        it (policy/authorisation.json: the addressed unit's operator, or an
        admin). This service does not know the unit tree, so a unit above the
        addressed one counts as another unit."""
        require_allowed(caller, action)
        row = repo.notice_row(session, notice_id)
        if row is None:
            # The same refusal as for another unit's notice when scoped: no hint.
            if unit_scope(caller) is not None:
                raise Forbidden("outside the caller's units")
            raise NotFound(f"no notice {notice_id}")
        if not allowed(caller, action, row.unit):
            raise Forbidden("outside the caller's units")
        return row
