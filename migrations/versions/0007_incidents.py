"""incidents list indexes: every filter and sort ends in (created_at, id); trigram title search on PostgreSQL

Revision ID: 0007_incidents
Revises: 0006_web
Create Date: 2026-11-24 15:53:14.212383

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_incidents'
down_revision = "0006_web"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # trusted extension (PostgreSQL 13+): the database owner may create it
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('severity_rank', sa.SmallInteger(), server_default='1', nullable=False))
    op.execute(
        "UPDATE incidents SET severity_rank = CASE severity WHEN 'low' THEN 0 WHEN 'medium' THEN 1 "
        "WHEN 'high' THEN 2 WHEN 'critical' THEN 3 ELSE 1 END"
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_severity_rank', ['severity_rank', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_incidents_hybrid_created'))
        batch_op.create_index('ix_incidents_hybrid_created', ['hybrid', 'created_at', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_incidents_rule_created'))
        batch_op.create_index('ix_incidents_rule_created', ['rule', 'created_at', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_incidents_severity_created'))
        batch_op.create_index('ix_incidents_severity_created', ['severity', 'created_at', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_incidents_status_created'))
        batch_op.create_index('ix_incidents_status_created', ['status', 'created_at', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_incidents_updated'))
        batch_op.create_index('ix_incidents_updated', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_incidents_lead_created', ['lead_unit', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_incidents_occurred', ['occurred_at', 'id'], unique=False)
        batch_op.create_index('ix_incidents_title', ['title', 'id'], unique=False)
        batch_op.create_index('ix_incidents_title_trgm', ['title'], unique=False, postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})



def downgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_title_trgm', postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})
        batch_op.drop_index('ix_incidents_severity_rank')
        batch_op.drop_index('ix_incidents_title')
        batch_op.drop_index('ix_incidents_occurred')
        batch_op.drop_index('ix_incidents_lead_created')
        batch_op.drop_index('ix_incidents_updated')
        batch_op.create_index(batch_op.f('ix_incidents_updated'), ['updated_at'], unique=False)
        batch_op.drop_index('ix_incidents_status_created')
        batch_op.create_index(batch_op.f('ix_incidents_status_created'), ['status', 'created_at'], unique=False)
        batch_op.drop_index('ix_incidents_severity_created')
        batch_op.create_index(batch_op.f('ix_incidents_severity_created'), ['severity', 'created_at'], unique=False)
        batch_op.drop_index('ix_incidents_rule_created')
        batch_op.create_index(batch_op.f('ix_incidents_rule_created'), ['rule', 'created_at'], unique=False)
        batch_op.drop_index('ix_incidents_hybrid_created')
        batch_op.create_index(batch_op.f('ix_incidents_hybrid_created'), ['hybrid', 'created_at'], unique=False)
        batch_op.drop_column('severity_rank')

