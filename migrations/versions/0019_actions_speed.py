"""speed of the actions list: an index for each filter and sort, status order as an indexed computed column

Revision ID: 0019_actions_speed
Revises: 0018_intake_speed
Create Date: 2026-11-30 12:20:00.000000

Issue 18 ("big lists"), the actions list as the incidents list (0018_speed): the default sort,
due date with actions without one last, is an index scan for every filter, overdue work a range
of a partial index of the open actions, and every sort has its (column, id) index for keyset
paging. `status_rank` (open=0 … cancelled=4, the board's order) is computed by the database:
STORED on PostgreSQL (a table rewrite, once), VIRTUAL on SQLite. `ix_actions_incident` goes:
the unique (incident_id, playbook_id, source_step) index starts with the same column. On
PostgreSQL, multivariate statistics on the filter columns, as for incidents.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019_actions_speed"
down_revision = "0018_intake_speed"
branch_labels = None
depends_on = None

STATUS_RANK_SQL = (
    "CASE status WHEN 'open' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'done' THEN 2 "
    "WHEN 'blocked' THEN 3 WHEN 'cancelled' THEN 4 ELSE 9 END"
)
OPEN = "status IN ('open', 'in_progress', 'blocked')"
HAS_ASSESSMENT = "assessment_id IS NOT NULL"

# name -> (columns, partial index condition or None)
NEW = {
    "ix_actions_due": (["due_at", "id"], None),
    "ix_actions_open_due": (["due_at", "id"], OPEN),
    "ix_actions_status_due": (["status", "due_at", "id"], None),
    "ix_actions_assignee": (["assignee_id", "due_at", "id"], None),
    "ix_actions_playbook": (["playbook_id", "due_at", "id"], None),
    "ix_actions_assessment": (["assessment_id"], HAS_ASSESSMENT),
    "ix_actions_owner": (["owner_unit", "id"], None),
    "ix_actions_status_rank": (["status_rank", "id"], None),
    "ix_actions_title": (["title", "id"], None),
    "ix_actions_updated": (["updated_at", "id"], None),
}
OLD = {
    "ix_actions_status_due": ["status", "due_at"],
    "ix_actions_assignee": ["assignee_id", "status"],
    "ix_actions_owner_status": ["owner_unit", "status"],
    "ix_actions_incident": ["incident_id"],
}


def _where(condition):
    if condition is None:
        return {}
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade():
    for name in OLD:
        op.drop_index(name, table_name="actions")
    op.add_column("actions", sa.Column("status_rank", sa.SmallInteger(), sa.Computed(STATUS_RANK_SQL), nullable=True))
    for name, (columns, condition) in NEW.items():
        op.create_index(name, "actions", columns, **_where(condition))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS st_actions_filters (mcv, dependencies) ON status, owner_unit, assignee_id, playbook_id "
            "FROM actions"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_actions_filters")
    for name in NEW:
        op.drop_index(name, table_name="actions")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("status_rank")
    for name, columns in OLD.items():
        op.create_index(name, "actions", columns)
