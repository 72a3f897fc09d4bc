"""A conversation on every task: the office, the task's units and its leaders
leave messages and files; each notes who wrote it, as which side, and when. A
leader writes only on a task it gave an instruction on (the tasks service
judges); a unit not on the task reads nothing of it."""
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile, status

from ..auth import CurrentCaller, require_writer
from ..db import DbSession
from ..messages import refusal
from ..people import names_of, with_names
from ..rpc import Rpc
from ..schemas import Limit, Offset
from .files import form_text, inline_files
from .tasks import TaskInScope
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/tasks", tags=["threads"])


def _named(request: Request, db, rpc, caller, messages: list[dict]) -> list[dict]:
    """The messages with their author's name (`author_name`) and their unit's
    (`unit_name`) as they are now; `author` and `unit` stay the login and code."""
    units = request.app.state.unit_names.for_codes(
        [message["unit"] for message in messages if message.get("unit")], rpc, caller)
    for message in messages:
        message["unit_name"] = units.get(message["unit"]) if message.get("unit") else None
    return with_names(db, messages, "author")


@router.get("/{code}/messages")
def list_task_messages(request: Request, caller: CurrentCaller, code: TaskInScope, rpc: Rpc,
                       db: DbSession, limit: Limit = 100, offset: Offset = 0):
    """The task's thread, oldest first; each message names its author and unit
    (`author_name`, `unit_name`) beside their login and code."""
    page = rpc.tasks.list_task_messages(code=code, caller=caller.as_rpc(), limit=limit,
                                        offset=offset)
    _named(request, db, rpc, caller, page["items"])
    return page


@router.post("/{code}/messages", status_code=status.HTTP_201_CREATED)
def post_task_message(request: Request, caller: CurrentCaller, code: TaskInScope, rpc: Rpc,
                      db: DbSession,
                      text: Annotated[str, Form(min_length=1, max_length=5000)],
                      files: Annotated[list[UploadFile] | None, File()] = None):
    """Leave a message (multipart: `text`, up to five `files`) on the task's
    thread; the other side hears of it through notify's routing rules, by the
    author's name as people read it now (the services keep logins)."""
    if caller.role != "leader":
        require_writer(caller)
    elif caller.read_only:
        raise refusal(status.HTTP_403_FORBIDDEN, "api_key_read_only")
    data = {"text": form_text(text), "files": inline_files(request, files),
            "author_name": names_of(db, [caller.user])[caller.user]}
    message = rpc.tasks.post_task_message(code=code, data=data, caller=caller.as_rpc())
    return _named(request, db, rpc, caller, [message])[0]
