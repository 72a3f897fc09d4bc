"""the gateway's tables: users, tokens, API keys, idempotency, sign-in failures, audit

Revision ID: 0001
Revises:

Before its tables were under alembic, the gateway made them itself at start
(create_all, then an ADD COLUMN for each nullable column a later version
added). Such a database has the tables but no alembic_version. This baseline
adopts it: it creates only the tables that are missing and adds only the
columns that are missing, so that an adopted database stands at 0001 exactly
as a new one does. Later revisions then apply to both alike.
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# The tables as they stand at this revision: a frozen copy, so that later changes
# to gateway/models.py go into later revisions and never change this one.
BASELINE = sa.MetaData()

sa.Table(
    'users', BASELINE,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('username', sa.String(64), nullable=False, unique=True),
    sa.Column('password_hash', sa.String(200), nullable=False),
    sa.Column('role', sa.String(16), nullable=False),
    sa.Column('unit', sa.String(64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=True),
    sa.Column('last_sign_in_at', sa.DateTime(), nullable=True),
    sa.Column('last_sign_in_from', sa.String(64), nullable=True),
)
sa.Table(
    'tokens', BASELINE,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('digest', sa.String(64), nullable=False, unique=True),
    sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'),
              nullable=False, index=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
)
sa.Table(
    'api_keys', BASELINE,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('name', sa.String(64), nullable=False, unique=True),
    sa.Column('digest', sa.String(64), nullable=False, unique=True),
    sa.Column('units', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('rotated_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_from', sa.String(64), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('access', sa.String(8), nullable=True),
)
sa.Table(
    'idempotency_records', BASELINE,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('caller', sa.String(100), nullable=False),
    sa.Column('key', sa.String(200), nullable=False),
    sa.Column('body_digest', sa.String(64), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False, index=True),
    sa.UniqueConstraint('caller', 'key'),
)
sa.Table(
    'login_failures', BASELINE,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('username', sa.String(256), nullable=False, index=True),
    sa.Column('address', sa.String(64), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False, index=True),
)
sa.Table(
    'audit_log', BASELINE,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('at', sa.DateTime(), nullable=False, index=True),
    sa.Column('user', sa.String(100), nullable=True, index=True),
    sa.Column('role', sa.String(16), nullable=True),
    sa.Column('api_key', sa.String(64), nullable=True),
    sa.Column('caller_units', sa.JSON(), nullable=True),
    sa.Column('units', sa.JSON(), nullable=False),
    sa.Column('method', sa.String(8), nullable=False),
    sa.Column('path', sa.String(1000), nullable=False, index=True),
    sa.Column('route', sa.String(200), nullable=True),
    sa.Column('target', sa.JSON(), nullable=True),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(64), nullable=True),
    sa.Column('request', sa.JSON(), nullable=True),
    sa.Column('response', sa.JSON(), nullable=True),
)


def upgrade():
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names())
    for table in BASELINE.sorted_tables:
        if table.name not in present:
            table.create(bind)
            continue
        # A table an earlier version made: it may lack the nullable columns
        # added since (the only kind that version ever added).
        have = {column['name'] for column in sa.inspect(bind).get_columns(table.name)}
        missing = [column for column in table.columns if column.name not in have]
        if missing:
            with op.batch_alter_table(table.name) as batch:
                for column in missing:
                    batch.add_column(sa.Column(column.name, column.type, nullable=True))


def downgrade():
    bind = op.get_bind()
    for table in reversed(BASELINE.sorted_tables):
        table.drop(bind)
