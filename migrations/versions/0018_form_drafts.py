"""form drafts: a refused page form's values and errors, kept server-side across the redirect (PRG)

Revision ID: 0018_form_drafts
Revises: 0012_workflows
Create Date: 2026-11-30 08:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0018_form_drafts"
down_revision = "0012_workflows"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_drafts",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_form_drafts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_drafts")),
    )
    with op.batch_alter_table("form_drafts", schema=None) as batch_op:
        batch_op.create_index("ix_form_drafts_created_at", ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("form_drafts", schema=None) as batch_op:
        batch_op.drop_index("ix_form_drafts_created_at")
    op.drop_table("form_drafts")
