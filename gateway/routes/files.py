"""Files sent with a form (stage feedback, thread messages): read with the
evidence size limit, checked for what a multipart part can carry, and handed on
inline in base64 to the service, which judges them by their bytes."""
import base64

from fastapi import HTTPException, Request, UploadFile, status

from ..messages import refusal
from ..text import MESSAGES, text_problem

MAX_FILES = 5


def inline_files(request: Request, files: list[UploadFile] | None) -> list[dict]:
    """[{filename, content_b64}] of the uploaded files; 413 for one too large, 422
    for an empty one, too many or a name no database can store."""
    files = [item for item in files or [] if item.filename or item.size]
    if len(files) > MAX_FILES:
        raise refusal(status.HTTP_422_UNPROCESSABLE_CONTENT, "files_too_many", count=MAX_FILES)
    limit = request.app.state.settings.evidence_max_bytes
    answer = []
    for item in files:
        content = item.file.read(limit + 1)
        if not content:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the file is empty")
        if len(content) > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                                f"files are at most {limit} bytes")
        filename = item.filename or "file"
        problem = text_problem(filename)
        if problem:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{
                "loc": ["body", "files", "filename"], "msg": MESSAGES[problem],
                "type": problem}])
        answer.append({"filename": filename,
                       "content_b64": base64.b64encode(content).decode("ascii")})
    return answer


def form_text(text: str) -> str:
    """A form's text field, stripped; 422 when nothing is left or no database can
    store it (a form is no schema: its fields are checked here)."""
    problem = text_problem(text)
    if problem:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{
            "loc": ["body", "text"], "msg": MESSAGES[problem], "type": problem}])
    if not text.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{
            "loc": ["body", "text"], "msg": "不能为空", "type": "empty"}])
    return text.strip()
