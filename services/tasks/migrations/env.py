from services.common.migrations import run_alembic_env
from services.tasks.models import metadata

run_alembic_env(metadata)
