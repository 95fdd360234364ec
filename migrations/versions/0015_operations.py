"""operations: outbox messages keep the request id that queued them; scheduler runs and failures counted

Revision ID: 0015_operations
Revises: 0007_incidents
Create Date: 2026-11-25 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_operations'
down_revision = "0007_incidents"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=128), nullable=True))
    with op.batch_alter_table('scheduler_locks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('runs', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failures', sa.BigInteger(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('scheduler_locks', schema=None) as batch_op:
        batch_op.drop_column('failures')
        batch_op.drop_column('runs')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('request_id')
