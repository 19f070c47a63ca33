"""public registration: a cohort's registration settings and the registrations themselves

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-12-02 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6a7b8c9d0e1'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_open', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('registration_closes_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('registration_needs_approval', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.add_column(sa.Column('registration_description', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('registration_token', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_cohorts_registration_token'), ['registration_token'])

    op.create_table(
        'registrations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('institution', sa.String(length=200), server_default='', nullable=False),
        sa.Column('country', sa.String(length=100), server_default='', nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_registrations_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_registrations_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_registrations_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
        sa.UniqueConstraint('cohort_id', 'email', name=op.f('uq_registrations_cohort_id')),
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_status'))
        batch_op.drop_index(batch_op.f('ix_registrations_cohort_id'))
    op.drop_table('registrations')

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cohorts_registration_token'), type_='unique')
        batch_op.drop_column('registration_token')
        batch_op.drop_column('registration_description')
        batch_op.drop_column('registration_needs_approval')
        batch_op.drop_column('registration_closes_on')
        batch_op.drop_column('registration_open')
