"""The operations port: /healthz, /readyz and /metrics on LUOSHI_OPS_PORT.

Probes and Prometheus reach the gateway here, on a port the ingress does not
route (deploy/), so the public API port answers neither the platform's
figures nor a broker check. It is a second, small app sharing the API app's
state (its settings, metrics and readiness cache), served by a uvicorn server
on the API server's event loop, started and stopped with the API app.
"""
import asyncio
import logging
import socket
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from . import health

log = logging.getLogger(__name__)


def ops_app(api: FastAPI) -> FastAPI:
    """The operations app of `api`: its health routes, reading `api`'s state."""
    app = FastAPI(title="Luoshi 落实 operations", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state = api.state
    app.include_router(health.ops_router)
    return app


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self):
        # The API server keeps the process's signals; it stops this one on shutdown.
        yield


class OpsServer:
    """The operations app served on (host, port) until `stop()`."""

    def __init__(self, api: FastAPI, host: str, port: int):
        self.host, self.port = host, port
        self._server = _Server(uvicorn.Config(ops_app(api), log_level="warning",
                                              lifespan="off", access_log=False))
        self._task = None

    async def start(self) -> None:
        """Bind the port (an error that names it when taken) and serve."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise RuntimeError(f"LUOSHI_OPS_PORT {self.port} on {self.host} cannot be bound: "
                               f"{exc}") from exc
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.01)
        log.info("operations port: http://%s:%s (/healthz, /readyz, /metrics)", self.host,
                 self.port)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        await self._task
