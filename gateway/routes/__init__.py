"""The v1 API, one router per area, all under one prefix."""
from fastapi import APIRouter

from . import (
    audit,
    auth,
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

# The version is part of every path of the public API, set here and nowhere else.
API_PREFIX = "/api/v1"

api = APIRouter(prefix=API_PREFIX)
for _area in (auth, units, tasks, commitments, progress, imports, warnings, rankings,
              notifications, operations, audit, notices, overview):
    api.include_router(_area.router)
