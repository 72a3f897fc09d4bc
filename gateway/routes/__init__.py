"""The v1 API, one router per area, each under version.PREFIX."""
from . import (
    accountability,
    audit,
    auth,
    calendar,
    commitments,
    extension_requests,
    imports,
    instructions,
    notices,
    notifications,
    operations,
    overview,
    progress,
    rankings,
    signals,
    tasks,
    threads,
    units,
    verifications,
    warnings,
)

ROUTERS = (
    auth.router, units.router, tasks.router, commitments.router, progress.router,
    imports.router, warnings.router, rankings.router, notifications.router,
    operations.router, audit.router, notices.router, overview.router, calendar.router,
    instructions.router, instructions.feedback_router,
    instructions.leaders_router, threads.router, accountability.router,
    extension_requests.tasks_router, extension_requests.router, extension_requests.rules_router,
    extension_requests.progress_router, signals.router,
    verifications.router,
)
