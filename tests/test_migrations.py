"""Migrations keep data: a demo database goes down to the previous release's schema and back up again with
every row in place (SQLite's batch mode rebuilds tables, which once cascaded deletes to every enrolment)."""

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy import table as table_clause

from lms import create_app
from lms.demo.seed import seed_demo
from lms.extensions import db as _db
from tests import conftest
from tests.test_app import ROOT, empty_database  # noqa: F401  (fixture)

TABLES = ["users", "programmes", "cohorts", "enrolments", "lesson_completions", "exams", "exam_attempts",
          "attempt_questions", "attendance", "practical_scores", "certificates", "audit_log"]
RELEASE_OF_2026_11_22 = "f12be9b9c91e"


def _counts() -> dict[str, int]:
    return {table: _db.session.execute(select(func.count()).select_from(table_clause(table))).scalar()
            for table in TABLES}


@pytest.mark.parametrize("target", [RELEASE_OF_2026_11_22])
def test_downgrade_and_upgrade_keep_every_row(empty_database, tmp_path, target):  # noqa: F811
    app = create_app({**conftest.test_settings(tmp_path), "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context(), app.test_request_context():
        config = app.extensions["migrate"].migrate.get_config(str(ROOT / "migrations"))
        command.upgrade(config, "head")
        seed_demo(with_events=False)  # an old database holds EOSH-shaped programmes only
        _db.session.commit()
        before = _counts()
        assert before["enrolments"] > 0 and before["exam_attempts"] > 0 and before["certificates"] > 0
        _db.session.remove()
        command.downgrade(config, target)
        assert _counts() == before
        _db.session.remove()
        command.upgrade(config, "head")
        assert _counts() == before
        _db.session.remove()
        _db.engine.dispose()
