"""The v1 API, one router per area."""
from . import (
    audit,
    auth,
    calendar,
    commitments,
    imports,
    notices,
    notifications,
    operations,
    overview,
    progress,
    rankings,
    tasks,
    units,
    warnings,
)

ROUTERS = (
    auth.router, units.router, tasks.router, commitments.router, progress.router,
    imports.router, warnings.router, rankings.router, notifications.router,
    operations.router, audit.router, notices.router, overview.router, calendar.router,
)
