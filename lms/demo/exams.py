"""Demo question banks (Moodle XML files in lms/demo/questions) and the exams drawn from them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from lms.courses.models import Programme
from lms.exams import moodle
from lms.exams.models import (
    FINAL,
    IMMEDIATELY,
    PRACTICE,
    STAGE1,
    Exam,
    ExamRule,
    Question,
    QuestionCategory,
)
from lms.extensions import db

QUESTIONS = Path(__file__).resolve().parent / "questions"

STAGE1_DRAW = {"Week 1 - Foundations": 5, "Week 2 - Controls and incidents": 5, "Week 3 - Managing OSH": 5,
               "Week 4 - Becoming a trainer": 5, "Stage 1 - Written": 1}
FINAL_DRAW = {"Applied OSH": 8, "Training practice": 8, "Case studies": 4, "Final - Written": 1}


def seed_question_banks(programme: Programme) -> None:
    has_questions = db.session.scalar(
        select(func.count()).select_from(Question).join(Question.category)
        .where(QuestionCategory.programme_id == programme.id))
    if not has_questions:
        for name in ("stage1.xml", "final.xml", "practice.xml"):
            result = moodle.parse_moodle_xml((QUESTIONS / name).read_bytes())
            if result.errors:
                raise ValueError(f"demo bank {name}: {result.errors}")
            moodle.import_questions(programme, result)
    categories = {c.name: c for c in db.session.scalars(
        select(QuestionCategory).where(QuestionCategory.programme_id == programme.id))}
    # Stage 1 and the final keep the key and the feedback until no retake is left and the window is shut (the
    # model's defaults); a self-check quiz has its own bank and no stakes, so it shows everything at once.
    _exam(programme, STAGE1, "Stage-1 exam", categories, STAGE1_DRAW, time_limit=45)
    _exam(programme, FINAL, "Final exam", categories, FINAL_DRAW, time_limit=60, attempts=1)
    for module in programme.modules:
        key = f"W{module.week}M{module.position}"
        if key in categories:
            _exam(programme, PRACTICE, f"Self-check: {module.title}", categories, {key: 4}, module=module,
                  review=IMMEDIATELY, time_limit=None)
    db.session.flush()


def _exam(programme, kind, title, categories, draw, time_limit, review=None, module=None, attempts=None) -> Exam:
    """`review`: one timing for all four parts of the review; None keeps the model's safe defaults."""
    query = select(Exam).where(Exam.programme_id == programme.id, Exam.kind == kind)
    if module is not None:
        query = query.where(Exam.module_id == module.id)
    exam = db.session.scalar(query)
    if exam is None:
        exam = Exam(programme=programme, kind=kind, title=title, module=module, time_limit_minutes=time_limit,
                    attempts_allowed=attempts, pass_mark=70)
        if review is not None:
            exam.review_responses = exam.review_marks = exam.review_answers = exam.review_feedback = review
        exam.rules = [ExamRule(category=categories[name], count=count) for name, count in draw.items()]
        db.session.add(exam)
    return exam


def pass_exam(enrolment, exam, when, grader, skill: float = 0.9) -> None:
    """A demo trainee who sat this exam at `when` (with this skill: 0.9 passes, 0.3 fails), essays graded by
    `grader`; once only."""
    import random

    from lms.exams import grading, services
    from lms.exams.models import ExamAttempt
    from lms.exams.simulation import answer

    taken = db.session.scalar(select(func.count()).select_from(ExamAttempt).where(
        ExamAttempt.exam_id == exam.id, ExamAttempt.enrolment_id == enrolment.id))
    if taken:
        return
    rng = random.Random(enrolment.id * 100 + exam.id)
    attempt = services.start_attempt(exam, enrolment, when, rng=rng)
    answer(attempt, when, skill=skill, rng=rng)
    services.submit_attempt(attempt, when)
    for slot in attempt.slots:
        if slot.needs_grading:
            grading.grade_answer(slot, slot.question.points * min(skill, 0.8),
                                 "Clear and practical; link each control to the hazard it addresses.", grader)
