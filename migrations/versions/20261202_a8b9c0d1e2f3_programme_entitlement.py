"""programme entitlement (shown on the verification page) and withheld certificates

Revision ID: a8b9c0d1e2f3
Revises: f6a7b8c9d0e1
Create Date: 2026-12-02 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8b9c0d1e2f3'
down_revision = 'f6a7b8c9d0e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entitlement', sa.JSON(), nullable=True))
    op.create_table(
        'certificate_withholdings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_certificate_withholdings_actor_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'],
                                name=op.f('fk_certificate_withholdings_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_withholdings')),
        sa.UniqueConstraint('enrolment_id', name=op.f('uq_certificate_withholdings_enrolment_id')),
    )


def downgrade():
    op.drop_table('certificate_withholdings')
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('entitlement')
