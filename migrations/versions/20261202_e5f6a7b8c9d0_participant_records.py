"""participant records: a person's country code and (optional) sex, an enrolment's participant type, how
someone attended a session (room / online)

Countries typed as free text are matched to ISO 3166-1 alpha-2 codes by Babel's English territory names
(or a code typed as such), case and surrounding spaces ignored. The text stays in `users.country` either way,
so a value that matches nothing is kept there, with an empty code; downgrade drops only the new columns.

Revision ID: e5f6a7b8c9d0
Revises: c3d4e5f6a7b8
Create Date: 2026-12-02 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from babel import Locale


# revision identifiers, used by Alembic.
revision = 'e5f6a7b8c9d0'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None

users = sa.table("users", sa.column("id", sa.Integer), sa.column("country", sa.String),
                 sa.column("country_code", sa.String))


def _codes() -> dict[str, str]:
    """Lower-cased English name or code -> code, for two-letter territories only (not regions)."""
    table = {}
    for code, name in Locale.parse("en").territories.items():
        if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO"}:
            table[name.casefold()] = code
            table[code.casefold()] = code
    return table


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country_code', sa.String(length=2), server_default='', nullable=False))
        batch_op.add_column(sa.Column('sex', sa.String(length=20), nullable=True))
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_type', sa.String(length=20), server_default='participant',
                                      nullable=False))
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=10), nullable=True))

    conn = op.get_bind()
    codes = _codes()
    for row in conn.execute(sa.select(users.c.id, users.c.country).where(users.c.country != "")).all():
        code = codes.get((row.country or "").strip().casefold())
        if code:
            conn.execute(users.update().where(users.c.id == row.id).values(country_code=code))


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_column('mode')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_column('participant_type')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('sex')
        batch_op.drop_column('country_code')
