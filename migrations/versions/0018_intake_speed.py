"""intake speed (issue 18): a configuration version counter kept by triggers; notifications relayed to
email and chat by the outbox job

Revision ID: 0018_intake_speed
Revises: 0018_form_drafts
Create Date: 2026-11-30 08:40:00.000000

`config_version` (one row) counts changes to what each worker keeps in memory
(services/config_cache.py). Triggers add one in the transaction of any INSERT, UPDATE or DELETE of
intake sources, playbooks, notification preferences and chat channels, and of the user columns
the cache holds, so no code path (a page, the CLI, a test, a hand-run SQL statement) can leave a
worker with a stale copy. PostgreSQL: one statement-level trigger per table (TRUNCATE included);
SQLite: one row-level trigger per table and operation.

`notifications` may now name a chat channel instead of a person, and carries `relay_pending`
(an email or chat message the outbox job still has to queue) and the request id for that row.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018_intake_speed"
down_revision = "0018_form_drafts"
branch_labels = None
depends_on = None

# table -> the columns whose change matters (None: any)
WATCHED = {
    "intake_sources": None,
    "playbooks": None,
    "notification_preferences": None,
    "chat_channels": None,
    "users": ("username", "role", "unit", "active", "email"),
}
BUMP = "UPDATE config_version SET version = version + 1 WHERE id = 1"
PG_FUNCTION = f"""
CREATE FUNCTION bump_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {BUMP};
    RETURN NULL;
END
$$
"""


def _pg_triggers():
    for table, columns in WATCHED.items():
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        yield (
            f"CREATE TRIGGER {table}_config_version AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version()"
        )


def _sqlite_triggers():
    for table, columns in WATCHED.items():
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        for name, operation in (("insert", "INSERT"), ("update", update), ("delete", "DELETE")):
            yield f"CREATE TRIGGER {table}_config_version_{name} AFTER {operation} ON {table} BEGIN {BUMP}; END"


def upgrade():
    op.create_table(
        "config_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_version")),
    )
    op.execute("INSERT INTO config_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for statement in _pg_triggers():
            op.execute(statement)
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("relay_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("request_id", sa.String(length=128), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index("ix_notifications_relay", ["relay_pending", "id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_channel_id_chat_channels"),
            "chat_channels",
            ["channel_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade():
    op.execute("DELETE FROM notifications WHERE user_id IS NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_channel_id_chat_channels"), type_="foreignkey")
        batch_op.drop_index("ix_notifications_relay")
        batch_op.alter_column("user_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("request_id")
        batch_op.drop_column("relay_pending")
        batch_op.drop_column("channel_id")
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_config_version ON {table}")
        op.execute("DROP FUNCTION bump_config_version()")
    else:
        for table in WATCHED:
            for name in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_config_version_{name}")
    op.drop_table("config_version")
