"""The web portal (一屏统揽 as people see it): plain HTML, JavaScript modules and CSS
written in this folder, served by the gateway at `/` and `/portal/`. It is a
client of the public HTTP API v1 only (same-origin fetch with the bearer token),
and fetches nothing from outside: fonts are the system's Chinese fonts."""
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
# Everything the page runs or shows comes from the gateway itself.
POLICY = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
          "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          "frame-ancestors 'none'; form-action 'self'")


HEADERS = {"Content-Security-Policy": POLICY, "X-Content-Type-Options": "nosniff"}


class PortalFiles(StaticFiles):
    """The portal's files, each with the page's policy: /portal/index.html is
    the same page as /, and must not run what / would refuse."""

    async def get_response(self, path, scope):
        response = await super().get_response(path, scope)
        response.headers.update(HEADERS)
        return response


def mount(app: FastAPI) -> None:
    """Serve the portal's files under /portal/ and its page at /."""
    app.mount("/portal", PortalFiles(directory=STATIC), name="portal")

    @app.get("/", include_in_schema=False)
    def portal_page():
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                            headers={**HEADERS, "Cache-Control": "no-cache"})
