"""the audit log is listed from indexes however long it grows: newest first by
(at, id), one index ordering and bounding it by time and another by user, time
and id for each user's rows; and the path filtered as a
prefix, on PostgreSQL from an index of pattern operators (varchar_pattern_ops),
which LIKE 'prefix%' uses whatever the database's collation (SQLite's plain
index already serves the range the gateway reads there)

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_log_at_id', 'audit_log', ['at', 'id'])
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    op.create_index('ix_audit_log_user_at_id', 'audit_log', ['user', 'at', 'id'])
    op.drop_index('ix_audit_log_user', table_name='audit_log')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_audit_log_path', table_name='audit_log')
        op.create_index('ix_audit_log_path', 'audit_log', ['path'],
                        postgresql_ops={'path': 'varchar_pattern_ops'})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_audit_log_path', table_name='audit_log')
        op.create_index('ix_audit_log_path', 'audit_log', ['path'])
    op.create_index('ix_audit_log_user', 'audit_log', ['user'])
    op.drop_index('ix_audit_log_user_at_id', table_name='audit_log')
    op.create_index('ix_audit_log_at', 'audit_log', ['at'])
    op.drop_index('ix_audit_log_at_id', table_name='audit_log')
