"""retention: when a delivery's raw body or an attachment's bytes were purged under RETENTION_DAYS

Revision ID: 0018_retention
Revises: 0018_speed
Create Date: 2026-11-30 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018_retention"
down_revision = "0018_speed"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("intake_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_intake_deliveries_unpurged", ["purged_at", "received_at"], unique=False)
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
    with op.batch_alter_table("intake_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_deliveries_unpurged")
        batch_op.drop_column("purged_at")
