"""Question banks, exams, attempts and their answers, and the audit trail of grades."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Enrolment, Module, Programme
from lms.extensions import db
from lms.timeutil import utcnow

# question types
SINGLE, MULTI, TRUEFALSE, SHORT, NUMERIC, MATCHING, ESSAY = (
    "single", "multi", "truefalse", "short", "numeric", "matching", "essay")
QUESTION_TYPES = (SINGLE, MULTI, TRUEFALSE, SHORT, NUMERIC, MATCHING, ESSAY)
# multiple-response scoring
ALL_OR_NOTHING, PARTIAL = "allornothing", "partial"
# exam kinds
PRACTICE, STAGE1, FINAL = "practice", "stage1", "final"
STAGE = "stage"  # an exam of any pipeline stage, known by its stage (imported programmes)
# when a trainee may see each part of the review of a graded attempt (lms/exams/review.py decides)
IMMEDIATELY, AFTER_LAST_ATTEMPT, AFTER_CLOSE, AFTER_LAST_ATTEMPT_AND_CLOSE, NEVER = (
    "immediately", "after_last_attempt", "after_close", "after_last_attempt_and_close", "never")
REVIEW_TIMINGS = (IMMEDIATELY, AFTER_LAST_ATTEMPT, AFTER_CLOSE, AFTER_LAST_ATTEMPT_AND_CLOSE, NEVER)
# attempt states
IN_PROGRESS, SUBMITTED, GRADED = "in_progress", "submitted", "graded"


class QuestionCategory(db.Model):
    __tablename__ = "question_categories"
    __table_args__ = (UniqueConstraint("programme_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    programme: Mapped[Programme] = relationship()
    questions: Mapped[list[Question]] = relationship(back_populates="category", order_by="Question.id")


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_categories.id", ondelete="CASCADE"), index=True)
    qtype: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(default=1.0)
    scoring: Mapped[str] = mapped_column(String(20), default=ALL_OR_NOTHING)
    tolerance: Mapped[float] = mapped_column(default=0.0)
    feedback: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[QuestionCategory] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan"
    )


class QuestionOption(db.Model):
    """A choice (single, multi, true/false), an accepted answer (short, numeric) or a pair (matching)."""

    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(default=False)
    match: Mapped[str] = mapped_column(Text, default="")  # matching: the answer this prompt pairs with
    feedback: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="options")


class Exam(db.Model):
    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("programme_stages.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    time_limit_minutes: Mapped[int | None]
    attempts_allowed: Mapped[int | None]  # None: unlimited
    pass_mark: Mapped[int] = mapped_column(default=70)  # percent
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    # What a trainee sees of a graded attempt, and from when. The score and the verdict are always shown once
    # released; the key and the feedback wait by default until no retake is left and the cohort's window is shut.
    review_responses: Mapped[str] = mapped_column(String(30), default=IMMEDIATELY, server_default=IMMEDIATELY)
    review_marks: Mapped[str] = mapped_column(String(30), default=IMMEDIATELY, server_default=IMMEDIATELY)
    review_answers: Mapped[str] = mapped_column(String(30), default=AFTER_LAST_ATTEMPT_AND_CLOSE,
                                                server_default=AFTER_LAST_ATTEMPT_AND_CLOSE)
    review_feedback: Mapped[str] = mapped_column(String(30), default=AFTER_LAST_ATTEMPT_AND_CLOSE,
                                                 server_default=AFTER_LAST_ATTEMPT_AND_CLOSE)

    programme: Mapped[Programme] = relationship()
    module: Mapped[Module | None] = relationship()
    stage = relationship("ProgrammeStage")
    rules: Mapped[list[ExamRule]] = relationship(back_populates="exam", cascade="all, delete-orphan",
                                                 order_by="ExamRule.id")

    @property
    def required_percent(self) -> int:
        """The pass mark: its stage's pass rule for an exam stage, the exam's own for a practice quiz."""
        if self.stage is not None:
            return int((self.stage.rule or {}).get("score", self.pass_mark))
        return self.pass_mark

    @property
    def max_attempts(self) -> int | None:
        """Attempts allowed (None: unlimited). Stage 1 follows the programme; practice is unlimited."""
        if self.kind == STAGE1:
            return self.programme.stage1_attempts
        if self.kind == PRACTICE:
            return None
        return self.attempts_allowed


class ExamRule(db.Model):
    """Draw `count` questions at random from a category for each attempt."""

    __tablename__ = "exam_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_categories.id", ondelete="CASCADE"))
    count: Mapped[int]

    exam: Mapped[Exam] = relationship(back_populates="rules")
    category: Mapped[QuestionCategory] = relationship()


class ExtraTime(db.Model):
    """An accommodation: extra minutes for one trainee on one exam."""

    __tablename__ = "extra_time"
    __table_args__ = (UniqueConstraint("exam_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    minutes: Mapped[int]


class ExamAttempt(db.Model):
    __tablename__ = "exam_attempts"
    __table_args__ = (UniqueConstraint("exam_id", "enrolment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS, index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    score: Mapped[float | None]
    max_score: Mapped[float] = mapped_column(default=0.0)
    percent: Mapped[float | None]
    passed: Mapped[bool | None]

    exam: Mapped[Exam] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    slots: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == IN_PROGRESS

    @property
    def released(self) -> bool:
        """Results reach the trainee once every answer is graded."""
        return self.status == GRADED


class AttemptQuestion(db.Model):
    """One question of one attempt: the order its options were shown in, the answer, and its grade."""

    __tablename__ = "attempt_questions"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    option_order: Mapped[list] = mapped_column(JSON, default=list)
    response: Mapped[dict | None] = mapped_column(JSON)
    saved_at: Mapped[datetime | None]
    score: Mapped[float | None]
    needs_grading: Mapped[bool] = mapped_column(default=False, index=True)
    feedback: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None]

    attempt: Mapped[ExamAttempt] = relationship(back_populates="slots")
    question: Mapped[Question] = relationship()


class GradeAudit(db.Model):
    """Every manual grade and every change of grade: who, when, old, new, why."""

    __tablename__ = "grade_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("attempt_questions.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    old_score: Mapped[float | None]
    new_score: Mapped[float | None]
    reason: Mapped[str] = mapped_column(String(500))

    actor: Mapped[User | None] = relationship()
