from services.common.migrations import run_alembic_env
from services.ranking.models import metadata

run_alembic_env(metadata)
