"""why an escalation ladder stopped, as a code, and who stopped it

Ladders stopped before this say why in English ("turned green", "acknowledged by
op_yz"), which the portal showed as it stood. They take the codes the portal
words in Chinese (turned_green, acknowledged…), the user who acknowledged moving
to `stopped_by`; the codes answered, closed, explained and cancelled stay.

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

TURNED = (('turned green', 'turned_green'), ('turned yellow', 'turned_yellow'))


def upgrade():
    with op.batch_alter_table('escalations') as batch:
        batch.add_column(sa.Column('stopped_by', sa.String(length=64), nullable=True))
    for old, new in TURNED:
        op.execute(sa.text("UPDATE escalations SET stopped_reason = :new "
                           "WHERE stopped_reason = :old").bindparams(old=old, new=new))
    # SET reads the row as it was: the user is cut from the old words, after
    # the 16 characters of "acknowledged by ".
    op.execute("UPDATE escalations SET stopped_by = substr(stopped_reason, 17, 64), "
               "stopped_reason = 'acknowledged' WHERE stopped_reason LIKE 'acknowledged by %'")


def downgrade():
    op.execute("UPDATE escalations SET stopped_reason = 'acknowledged by ' || stopped_by "
               "WHERE stopped_reason = 'acknowledged' AND stopped_by IS NOT NULL")
    for old, new in TURNED:
        op.execute(sa.text("UPDATE escalations SET stopped_reason = :old "
                           "WHERE stopped_reason = :new").bindparams(old=old, new=new))
    with op.batch_alter_table('escalations') as batch:
        batch.drop_column('stopped_by')
