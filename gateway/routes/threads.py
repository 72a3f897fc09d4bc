"""A conversation on every task: the office, the task's units and its leaders
leave messages and files; each notes who wrote it, as which side, and when. A
leader writes only on a task it gave an instruction on (the tasks service
judges); a unit not on the task reads nothing of it."""
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile, status

from ..auth import CurrentCaller, require_writer
from ..messages import refusal
from ..rpc import Rpc
from ..schemas import Limit, Offset
from .files import form_text, inline_files
from .tasks import TaskInScope
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/tasks", tags=["threads"])


@router.get("/{code}/messages")
def list_task_messages(caller: CurrentCaller, code: TaskInScope, rpc: Rpc,
                       limit: Limit = 100, offset: Offset = 0):
    """The task's thread, oldest first."""
    return rpc.tasks.list_task_messages(code=code, caller=caller.as_rpc(), limit=limit,
                                        offset=offset)


@router.post("/{code}/messages", status_code=status.HTTP_201_CREATED)
def post_task_message(request: Request, caller: CurrentCaller, code: TaskInScope, rpc: Rpc,
                      text: Annotated[str, Form(min_length=1, max_length=5000)],
                      files: Annotated[list[UploadFile] | None, File()] = None):
    """Leave a message (multipart: `text`, up to five `files`) on the task's
    thread; the other side hears of it through notify's routing rules."""
    if caller.role != "leader":
        require_writer(caller)
    elif caller.read_only:
        raise refusal(status.HTTP_403_FORBIDDEN, "api_key_read_only")
    data = {"text": form_text(text), "files": inline_files(request, files)}
    return rpc.tasks.post_task_message(code=code, data=data, caller=caller.as_rpc())
