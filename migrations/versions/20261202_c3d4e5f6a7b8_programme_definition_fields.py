"""programme definition fields: a multilingual title and the award's validity in months

Revision ID: c3d4e5f6a7b8
Revises: 1b9d00c5111b
Create Date: 2026-12-02 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d4e5f6a7b8'
down_revision = '1b9d00c5111b'
branch_labels = None
depends_on = None

programmes = sa.table("programmes", sa.column("id", sa.Integer), sa.column("name", sa.String),
                      sa.column("title", sa.JSON), sa.column("validity_years", sa.Integer),
                      sa.column("validity_months", sa.Integer))


def upgrade():
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('validity_months', sa.Integer(), nullable=True))

    conn = op.get_bind()
    for row in conn.execute(sa.select(programmes.c.id, programmes.c.name, programmes.c.validity_years)).all():
        conn.execute(programmes.update().where(programmes.c.id == row.id).values(
            title={"en": row.name}, validity_months=12 * (row.validity_years or 0)))


def downgrade():
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('validity_months')
        batch_op.drop_column('title')
