"""dashboard indexes: covering GROUP BY indexes for the manager dashboard and the report

Revision ID: 0006_web
Revises: 0005_intake
Create Date: 2026-11-24 16:00:00

The dashboard (services/dashboard.py) groups open incidents by lead/severity/status, counts
incidents resolved per day, actions created per status and overdue actions per owner unit;
these indexes let each query read an index only (bench/dashboard.py measures them).
"""
from alembic import op


revision = '0006_web'
down_revision = "0005_intake"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_open_group', ['status', 'lead_unit', 'severity'], unique=False)
        batch_op.create_index('ix_incidents_resolved', ['resolved_at', 'lead_unit'], unique=False)
        batch_op.create_index('ix_incidents_created_cover', ['created_at', 'lead_unit', 'hybrid', 'status',
                              'acknowledged_at', 'contained_at', 'resolved_at'], unique=False)
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_created_status', ['created_at', 'status', 'owner_unit'], unique=False)
        batch_op.create_index('ix_actions_overdue', ['status', 'due_at', 'owner_unit'], unique=False)


def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_overdue')
        batch_op.drop_index('ix_actions_created_status')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_created_cover')
        batch_op.drop_index('ix_incidents_resolved')
        batch_op.drop_index('ix_incidents_open_group')
