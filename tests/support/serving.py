"""The gateway app behind a real uvicorn server on a free local port, for what
Starlette's test client does not show (h11's header checks, proxy headers)."""
import socket
import threading
import time
from contextlib import contextmanager

import uvicorn


@contextmanager
def serve(app, **config):
    """Run `app` under uvicorn with `config` (uvicorn.Config's keywords) while
    the block runs; yields its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        thread.join(0.05)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        listener.close()
