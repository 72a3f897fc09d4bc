"""The one screen's cost inside one gateway process, without the network: the
gateway app called as ASGI, as uvicorn calls it, for GET /api/v1/dashboard by a
signed-in reader, beside the bench's trivial app (bench/trivial.py) called the
same way. Three paths: the board at hand (a caller the gateway knows, answered
before routing: middleware.BoardAtHand), the full path (routing, dependencies and
the credential asked of the database each time) and the trivial endpoint.

    .venv/bin/python -m bench.one_screen [--requests 3000]

The platform phase of `make bench` measures the same over HTTP with 50 readers;
this says where a request's own time goes, with nothing else running."""
import asyncio
import json
import tempfile
import time
from pathlib import Path

from .options import goal, parser

PATH = "/api/v1/dashboard"
PASSWORD = "bench-one-screen-password"
# The platform's goal, applied here to the time one request takes (in-process).
TIMES_TRIVIAL = 1.5


def _scope(path, headers):
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": {}}


async def _per_request_us(app, path, headers, requests):
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses = set()

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    for _ in range(min(200, requests)):  # warm up: first-call costs are not the path's
        await app(_scope(path, headers), receive, send)
    started = time.perf_counter()
    for _ in range(requests):
        await app(_scope(path, headers), receive, send)
    elapsed = time.perf_counter() - started
    if statuses != {200}:
        raise RuntimeError(f"{path} answered {sorted(statuses)}")
    return round(elapsed / requests * 1e6, 1)


def run(args):
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.settings import Settings

    from .trivial import create_app as trivial_app

    requests = getattr(args, "requests", 3000)
    with tempfile.TemporaryDirectory() as folder:
        # No broker is needed: the board is set as the services would have answered it.
        settings = Settings(data_dir=Path(folder), admin_password=PASSWORD, ops_port=0,
                            amqp_uri="amqp://guest:guest@127.0.0.1:1/", rpc_pool_size=1,
                            dashboard_seconds=60, rate_limit_per_minute=0)
        app = create_app(settings)
        with TestClient(app) as client:  # runs the app's start-up: schema, admin
            token = client.post("/api/v1/auth/token", data={
                "username": "admin", "password": PASSWORD}).json()["access_token"]
        board = {"counts": {"green": 17_000, "yellow": 400, "red": 3_000},
                 "units": [{"unit": f"U{n:03d}", "name": f"单位{n}", "green": 100,
                            "yellow": 3, "red": 20} for n in range(144)]}
        headers = [(b"authorization", f"Bearer {token}".encode()), (b"host", b"bench")]

        async def measure():
            app.state.dashboard._kept = (time.monotonic(),
                                         json.dumps(board, ensure_ascii=False).encode())
            at_hand = await _per_request_us(app, PATH, headers, requests)
            app.state.known_callers.seconds = 0  # every request asks the database again
            full = await _per_request_us(app, PATH, headers, requests)
            trivial = await _per_request_us(trivial_app(), "/ping", [(b"host", b"bench")],
                                            requests)
            return at_hand, full, trivial

        at_hand, full, trivial = asyncio.run(measure())
    return {"name": "the one screen in one gateway process", "requests": requests,
            "at_hand_us": at_hand, "full_path_us": full, "trivial_us": trivial,
            "goals": [goal("one screen, board at hand ÷ trivial app (µs a request)",
                           round(at_hand / trivial, 2), "×", TIMES_TRIVIAL)]}


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=3000)
    figures = run(p.parse_args(argv))
    print(f"one screen, {figures['requests']:,} requests in one process: board at hand "
          f"{figures['at_hand_us']} µs, full path {figures['full_path_us']} µs, trivial app "
          f"{figures['trivial_us']} µs a request")
    for found in figures["goals"]:
        print(f"  {found['name']}: {found['value']} (goal ≤ {found['goal']}: "
              f"{'met' if found['met'] else 'MISSED'})")


if __name__ == "__main__":
    main()
