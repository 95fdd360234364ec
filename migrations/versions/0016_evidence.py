"""evidence: attachments, observables (typed detection indicators copied in), ATT&CK techniques

Revision ID: 0016_evidence
Revises: 0013_identity
Create Date: 2026-11-30 05:30:00.000000

"""

import json

import sqlalchemy as sa
from alembic import op

from incident_hub.domain.evidence import guess_observable

# revision identifiers, used by Alembic.
revision = "0016_evidence"
down_revision = "0013_identity"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("detection", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_attachments_incident_id_incidents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_object", ["object_type", "object_id", "id"], unique=False)
        batch_op.create_index("ix_attachments_incident", ["incident_id", "id"], unique=False)
        batch_op.create_index("ix_attachments_sha256", ["sha256"], unique=False)

    op.create_table(
        "observables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=2048), nullable=False),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("sighted_at", sa.DateTime(), nullable=True),
        sa.Column("detection", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_observables_incident_id_incidents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observables")),
        sa.UniqueConstraint("incident_id", "type", "value", name="uq_observables_incident_type_value"),
    )
    with op.batch_alter_table("observables", schema=None) as batch_op:
        batch_op.create_index("ix_observables_value", ["value", "incident_id"], unique=False)

    op.create_table(
        "incident_techniques",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("technique_id", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_techniques_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "technique_id", name=op.f("pk_incident_techniques")),
    )
    with op.batch_alter_table("incident_techniques", schema=None) as batch_op:
        batch_op.create_index("ix_incident_techniques_technique", ["technique_id", "incident_id"], unique=False)

    _copy_detection_indicators()


def _copy_detection_indicators():
    """Each typed value of `incidents.detection.indicators` becomes a detection observable with the
    incident's TLP; free text that is none of the types stays only in `detection` (it still is there)."""
    conn = op.get_bind()
    incidents = sa.table(
        "incidents",
        sa.column("id", sa.Integer),
        sa.column("detection", sa.JSON),
        sa.column("tlp", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    observables = sa.table(
        "observables",
        sa.column("incident_id", sa.Integer),
        sa.column("type", sa.String),
        sa.column("value", sa.String),
        sa.column("tlp", sa.String),
        sa.column("sighted_at", sa.DateTime),
        sa.column("detection", sa.Boolean),
        sa.column("comment", sa.Text),
        sa.column("created_at", sa.DateTime),
        sa.column("created_by", sa.String),
    )
    rows = conn.execute(sa.select(incidents).where(incidents.c.detection.is_not(None)))
    for incident_id, detection, tlp, created_at in rows:
        if isinstance(detection, str):
            detection = json.loads(detection)
        seen = set()
        for raw in (detection or {}).get("indicators") or []:
            guessed = guess_observable(str(raw))
            if guessed is None or guessed in seen:
                continue
            seen.add(guessed)
            conn.execute(
                observables.insert().values(
                    incident_id=incident_id,
                    type=guessed[0],
                    value=guessed[1],
                    tlp=tlp,
                    sighted_at=None,
                    detection=True,
                    comment="from detection.indicators (migration 0016)",
                    created_at=created_at,
                    created_by="migration",
                )
            )


def downgrade():
    # The indicators were copied, not moved: `incidents.detection` still holds them all.
    with op.batch_alter_table("incident_techniques", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_techniques_technique")
    op.drop_table("incident_techniques")
    with op.batch_alter_table("observables", schema=None) as batch_op:
        batch_op.drop_index("ix_observables_value")
    op.drop_table("observables")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_sha256")
        batch_op.drop_index("ix_attachments_incident")
        batch_op.drop_index("ix_attachments_object")
    op.drop_table("attachments")
