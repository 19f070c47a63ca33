"""The pipelines migration loses nothing: a database with the demo and a simulated cohort is taken back to
the schema before pipelines (where only the fixed-stage columns exist) and upgraded again; the migration
rebuilds every programme's stages, every cohort's windows and every link from content and results to its
stage exactly as the running application made them, and every outcome and certificate is unchanged. On
SQLite and on PostgreSQL."""

from datetime import date

from alembic import command
from sqlalchemy import func, inspect, select
from sqlalchemy import table as table_clause

from lms import create_app
from lms.certificates.models import Certificate
from lms.courses.models import Cohort, Module, Programme
from lms.demo.seed import seed_demo
from lms.demo.simulate import simulate_cohort
from lms.exams.models import Exam
from lms.extensions import db as _db
from lms.intensive.models import IntensiveSession, PracticalScore, RubricCriterion
from lms.monitoring.outcomes import cohort_outcomes
from tests import conftest
from tests.test_app import ROOT, empty_database  # noqa: F401  (fixture)

BEFORE_PIPELINES = "b8f2d4e6a012"
TODAY = date(2026, 12, 1)
TABLES = ["users", "programmes", "cohorts", "enrolments", "modules", "lessons", "lesson_completions", "exams",
          "exam_attempts", "attempt_questions", "intensive_sessions", "attendance", "rubric_criteria",
          "practical_scores", "certificates", "audit_log"]


def _snapshot() -> dict:
    session = _db.session
    stage_rows = {}
    for programme in session.scalars(select(Programme).order_by(Programme.id)):
        stage_rows[programme.name] = (
            [(s.position, s.key, s.kind, s.title, s.offset_days, s.length_days, s.after, s.rule, s.settings,
              s.weight, s.required) for s in programme.stages],
            programme.fallback_rule)
    windows = {c.id: (c.starts_on, sorted((w.stage.key, w.opens_on, w.closes_on) for w in c.windows))
               for c in session.scalars(select(Cohort))}
    links = {model.__tablename__: sorted((row.id, row.stage.key if row.stage else None)
                                         for row in session.scalars(select(model)))
             for model in (Exam, Module, IntensiveSession, RubricCriterion, PracticalScore)}
    outcomes = {}
    for cohort in session.scalars(select(Cohort).order_by(Cohort.id)):
        for enrolment_id, outcome in cohort_outcomes(cohort, TODAY).items():
            outcomes[enrolment_id] = (outcome.status, outcome.reasons, outcome.stage1.percent, outcome.final.percent,
                                      outcome.attendance.percent, outcome.practical.percent)
    certificates = sorted((c.id, c.code, c.kind, c.status, c.issued_on, c.expires_on, c.pdf_sha256)
                          for c in session.scalars(select(Certificate)))
    return {"stages": stage_rows, "windows": windows, "links": links, "outcomes": outcomes,
            "certificates": certificates}


def _counts() -> dict[str, int]:
    return {name: _db.session.scalar(select(func.count()).select_from(table_clause(name))) for name in TABLES}


def test_upgrading_an_old_database_rebuilds_the_same_pipeline_and_changes_no_result(empty_database, tmp_path):  # noqa: F811
    app = create_app({**conftest.test_settings(tmp_path), "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context(), app.test_request_context():
        config = app.extensions["migrate"].migrate.get_config(str(ROOT / "migrations"))
        command.upgrade(config, "head")
        seed_demo(TODAY, with_events=False)  # an old database holds EOSH-shaped programmes only
        simulate_cohort(24, today=TODAY, seed=3)
        _db.session.commit()
        before, counts = _snapshot(), _counts()
        assert len(before["outcomes"]) > 30 and len(before["certificates"]) > 10
        assert {status for status, *_ in before["outcomes"].values()} >= {"certified", "in_progress"}
        _db.session.remove()

        command.downgrade(config, BEFORE_PIPELINES)  # the release before: only the fixed-stage columns
        assert "programme_stages" not in inspect(_db.engine).get_table_names()
        assert _counts() == counts
        _db.session.remove()

        command.upgrade(config, "head")
        command.check(config)
        assert _counts() == counts
        after = _snapshot()
        assert after == before
        assert all(p.slug for p in _db.session.scalars(select(Programme)))
        _db.session.remove()
        _db.engine.dispose()
