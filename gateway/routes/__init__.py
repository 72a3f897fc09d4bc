"""The v1 API, one router per area, each under version.PREFIX."""
from . import (
    accountability,
    audit,
    auth,
    calendar,
    commitments,
    imports,
    instructions,
    notices,
    notifications,
    operations,
    overview,
    progress,
    rankings,
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
    instructions.router, instructions.feedback_router, threads.router, accountability.router,
    verifications.router,
)
