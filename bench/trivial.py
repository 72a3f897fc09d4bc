"""The smallest FastAPI app on the gateway's web server, for the web ceiling:
`uvicorn --factory bench.trivial:create_app` (the gateway's settings otherwise).
Its route is a plain `def`, run in the thread pool as the gateway's routes are."""
from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    def ping():
        return {"status": "ok"}

    return app
