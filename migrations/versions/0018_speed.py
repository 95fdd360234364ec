"""speed of big lists: status order as an indexed computed column (?sort=status); filter statistics

Revision ID: 0018_speed
Revises: 0012_workflows
Create Date: 2026-11-30 08:40:00.000000

Issue 18 ("Lists at 1,000,000 incidents"). `status_rank` is computed by the database from
`status` (new=0 … closed=4): STORED on PostgreSQL (a table rewrite, once), VIRTUAL on SQLite
(which cannot add a stored column), indexed on both. On PostgreSQL, multivariate statistics on
the filter columns, so the planner knows which combinations are rare (a combination with no
incident must not make it walk the whole date index looking for 50 rows).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018_speed"
down_revision = "0012_workflows"
branch_labels = None
depends_on = None

STATUS_RANK_SQL = (
    "CASE status WHEN 'new' THEN 0 WHEN 'acknowledged' THEN 1 WHEN 'contained' THEN 2 "
    "WHEN 'resolved' THEN 3 WHEN 'closed' THEN 4 ELSE 9 END"
)


def upgrade():
    op.add_column("incidents", sa.Column("status_rank", sa.SmallInteger(), sa.Computed(STATUS_RANK_SQL), nullable=True))
    op.create_index("ix_incidents_status_rank", "incidents", ["status_rank", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS st_incidents_filters (mcv, dependencies) "
            "ON status, lead_unit, severity, hybrid, rule FROM incidents"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_incidents_filters")
    op.drop_index("ix_incidents_status_rank", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("status_rank")
