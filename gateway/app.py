"""The gateway's app factory: `uvicorn --factory gateway.app:create_app`."""
import datetime as dt
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from . import errors, health, schema
from .audit import AuditLog
from .auth import ensure_admin
from .caches import KnownCallers, SharedBoard, UnitNames
from .db import Database
from .idempotency import prune
from .metrics import GatewayMetrics, RequestMetrics
from .middleware import BoardAtHand, BodySizeLimit, StorableText
from .ops import OpsServer
from .portal import mount as mount_portal
from .ratelimit import RateLimiter
from .routes import ROUTERS
from .routes.version import PREFIX
from .rpc import RpcPool
from .settings import Settings


def _prepare_database(database: Database, settings: Settings) -> None:
    """Check (in local development: bring) the schema up to date, then create the
    bootstrap admin, printing its password once if it was generated."""
    schema.prepare(database.engine, database.url, may_migrate=settings.env == "local")
    try:
        with database.session() as db:
            generated = ensure_admin(db, settings)
    except IntegrityError:  # another worker created the admin at the same moment
        return
    if generated:
        print(f"admin password: {generated}", flush=True)
    prune(database, dt.timedelta(days=settings.idempotency_retention_days), force=True)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The gateway app for `settings` (default: read from LUOSHI_* variables).

    Building it touches nothing outside: the database is prepared when the app
    starts, and the broker is reached on the first RPC.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(_prepare_database, app.state.db, settings)
        ops = None
        if settings.ops_port:
            ops = OpsServer(app, settings.ops_host, settings.ops_port)
            await ops.start()
        try:
            yield
        finally:
            if ops is not None:
                await ops.stop()
            app.state.rpc_pool.close()
            app.state.db.dispose()

    # /docs is Swagger UI 5 (it reads OpenAPI 3.1, which FastAPI serves) from npm's
    # swagger-ui-dist installed at set-up, never from a CDN: the platform must work
    # on a network with no way out.
    app = FastAPI(title="Luoshi 落实 API", version="1", lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    swagger_ui = settings.swagger_ui_dir
    app.mount("/static/swagger-ui", StaticFiles(directory=swagger_ui, check_dir=False),
              name="swagger-ui")
    # The big screen's charts, from npm's echarts the same way.
    app.mount("/static/echarts", StaticFiles(directory=settings.echarts_dir, check_dir=False),
              name="echarts")

    @app.get("/docs", include_in_schema=False)
    def docs():
        if not (swagger_ui / "swagger-ui-bundle.js").is_file():
            # The API works without its page; say what is missing rather than
            # serve a page that cannot load.
            return JSONResponse(status_code=503, content={"detail": {
                "code": "docs_not_installed",
                "message": "接口文档页面未安装：请运行 make setup（npm 安装 swagger-ui-dist），"
                           "接口定义仍可从 /openapi.json 获取。"}})
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="Luoshi 落实 API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
            # No badge that asks an online validator about the document.
            swagger_ui_parameters={"validatorUrl": None})
    app.state.settings = settings
    app.state.db = Database(settings.db_url)
    app.state.metrics = GatewayMetrics()
    app.state.rpc_pool = RpcPool(settings.amqp_uri, settings.rpc_pool_size, settings.rpc_timeout,
                                 observe=app.state.metrics.observe_rpc,
                                 caller_key=settings.caller_key.get_secret_value().encode())
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.unit_names = UnitNames()
    app.state.dashboard = SharedBoard(settings.dashboard_seconds)
    app.state.known_callers = KnownCallers(settings.auth_cache_seconds)
    app.state.readiness = health.Readiness(settings.ready_cache_seconds)

    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(StorableText)
    # Outside the size limit, so that a refused oversized write is logged too.
    app.add_middleware(AuditLog)
    # The one screen, for callers the gateway knows, before routing (see BoardAtHand).
    app.add_middleware(BoardAtHand, path=f"{PREFIX}/dashboard")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "Idempotency-Key"])
    # Outermost: every request is counted, whatever the middleware inside answer.
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)

    app.include_router(health.router)
    for router in ROUTERS:
        app.include_router(router, responses=errors.ERROR_RESPONSES)
    mount_portal(app)
    return app
