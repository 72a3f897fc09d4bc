"""ASGI middleware of the gateway."""
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import caller_at_hand
from .errors import invalid_input
from .messages import message
from .text import MESSAGES, text_problem


class BodySizeLimit:
    """Answer 413 to a request body larger than `max_bytes`.

    A declared Content-Length is refused before anything is read; a chunked
    body is counted as it streams and refused once it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes
        self.detail = message("body_too_large", limit=max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await JSONResponse({"detail": self.detail}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the route's read of the body, where FastAPI's
                    # handlers turn it into a JSON answer.
                    raise HTTPException(413, self.detail)
            return message

        await self.app(scope, counted_receive, send)


class StorableText:
    """Answer 422 to a path or query parameter holding text no database can store.

    Bodies are checked field by field by their schemas; a path or query value
    reaches a service as a lookup, where a NUL would fail the query on
    PostgreSQL, so it is refused here for every route at once.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = self._problem(scope)
            if found:
                where, code = found
                await JSONResponse(invalid_input([{"loc": [where], "msg": MESSAGES[code],
                                                   "type": code}]),
                                   status_code=422)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _problem(scope: Scope):
        problem = text_problem(scope["path"], max_length=8_000)
        if problem:
            return "path", problem
        query = scope.get("query_string", b"").decode("utf-8", "replace")
        for key, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
            problem = text_problem(key) or text_problem(value)
            if problem:
                return "query", problem
        return None


class BoardAtHand:
    """The one screen (GET `path`, no query) answered from the board the gateway
    keeps (caches.SharedBoard) to a caller it knows already (auth.caller_at_hand),
    before routing and dependency solving: those were most of such a request's
    time, and a wall of screens and the leaders' phones poll it. Anything else —
    a board older than its window, an unknown or lapsing credential, a spent rate
    limit — goes down the full path, which answers as every route does."""

    def __init__(self, app: ASGIApp, path: str):
        self.app = app
        self.path = path
        # What the request metrics name the route by (metrics.route_template).
        self.route = _Route(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and \
                scope["path"] == self.path and not scope["query_string"]:
            state = scope["app"].state
            body = state.dashboard.fresh()
            if body is not None:
                caller = caller_at_hand(state, Headers(scope=scope))
                if caller is not None:
                    scope["route"] = self.route
                    await send({"type": "http.response.start", "status": 200, "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())]})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)


class _Route:
    def __init__(self, path: str):
        self.path = path
