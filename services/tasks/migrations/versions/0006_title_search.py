"""title search: a trigram index of the task titles on PostgreSQL

Revision ID: 0006
Revises: 0005

Titles are searched by substring (Chinese has no spaces between words), which
ILIKE '%…%' does and a trigram GIN index serves. pg_trgm needs CREATE on the
database; where it cannot be installed the search still works, unindexed. On
SQLite there is nothing to create: LIKE scans.
"""
import logging

from alembic import op
from sqlalchemy import exc, text

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # In a savepoint: a refused extension must not abort the migration's transaction.
    savepoint = bind.begin_nested()
    try:
        bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        bind.execute(text("CREATE INDEX IF NOT EXISTS ix_tasks_title_trgm "
                          "ON tasks USING gin (title gin_trgm_ops)"))
        savepoint.commit()
    except exc.DBAPIError as error:
        savepoint.rollback()
        log.warning("pg_trgm is not available (%s): task titles are searched unindexed",
                    error.orig)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: other databases' objects of this cluster may use it.
    op.execute("DROP INDEX IF EXISTS ix_tasks_title_trgm")
