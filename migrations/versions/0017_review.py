"""post-incident reviews: the review per incident, its findings (each may become one prevention action), sign-offs

Revision ID: 0017_review
Revises: 0015_operations
Create Date: 2026-11-25 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_review"
down_revision = "0015_operations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("key_moments", sa.JSON(), nullable=False),
        sa.Column("went_well", sa.Text(), nullable=False),
        sa.Column("went_badly", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("joint", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_reviews_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_reviews")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_reviews_incident_id")),
    )
    with op.batch_alter_table("incident_reviews", schema=None) as batch_op:
        batch_op.create_index("ix_incident_reviews_status", ["status", "signed_at"], unique=False)

    op.create_table(
        "review_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_review_findings_action_id_actions"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["incident_reviews.id"],
            name=op.f("fk_review_findings_review_id_incident_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_findings")),
        sa.UniqueConstraint("action_id", name=op.f("uq_review_findings_action_id")),
    )
    with op.batch_alter_table("review_findings", schema=None) as batch_op:
        batch_op.create_index("ix_review_findings_review", ["review_id", "position"], unique=False)

    op.create_table(
        "review_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["incident_reviews.id"],
            name=op.f("fk_review_signoffs_review_id_incident_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_review_signoffs_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_signoffs")),
        sa.UniqueConstraint("review_id", "unit", name="uq_review_signoffs_unit"),
    )


def downgrade():
    op.drop_table("review_signoffs")
    with op.batch_alter_table("review_findings", schema=None) as batch_op:
        batch_op.drop_index("ix_review_findings_review")
    op.drop_table("review_findings")
    with op.batch_alter_table("incident_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_reviews_status")
    op.drop_table("incident_reviews")
