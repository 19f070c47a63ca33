"""Rules of the coordinator's question bank and exam set-up: reading an upload, editing a question and its key
(with a regrade of the answers already given), the draw rules of an exam, and creating exams."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.courses.models import Module, Programme
from lms.courses.services import RuleError
from lms.exams import grading
from lms.exams.models import (
    ESSAY,
    FINAL,
    IN_PROGRESS,
    MATCHING,
    MULTI,
    NUMERIC,
    PARTIAL,
    PRACTICE,
    SHORT,
    SINGLE,
    STAGE1,
    TRUEFALSE,
    AttemptQuestion,
    Exam,
    ExamAttempt,
    ExamRule,
    Question,
    QuestionCategory,
    QuestionOption,
)
from lms.exams.moodle import ParseResult, parse_csv_single_choice, parse_moodle_xml
from lms.exams.scoring import normalise_text, parse_number
from lms.extensions import db

NEW = "new"  # the form key of the empty row that adds an option


class Problems(RuleError):
    """Several refusals at once, each filed under the field it belongs to."""

    def __init__(self, problems: Mapping[str, list[str]]):
        self.problems = {name: list(messages) for name, messages in problems.items() if messages}
        super().__init__(" ".join(m for messages in self.problems.values() for m in messages))


# ---- the bank ---------------------------------------------------------------------------------


@dataclass
class CategorySummary:
    category: QuestionCategory
    questions: list[Question]

    @property
    def active(self) -> int:
        return sum(1 for q in self.questions if q.active)


def categories(programme: Programme) -> list[QuestionCategory]:
    return list(db.session.scalars(
        select(QuestionCategory).where(QuestionCategory.programme_id == programme.id)
        .order_by(QuestionCategory.name, QuestionCategory.id)))


def bank(programme: Programme) -> list[CategorySummary]:
    """The programme's categories by name, each with its questions."""
    return [CategorySummary(category, list(category.questions)) for category in categories(programme)]


def programme_questions(programme: Programme) -> list[Question]:
    """Every question of the programme, category by category: the order an export writes them in."""
    return list(db.session.scalars(
        select(Question).join(Question.category).where(QuestionCategory.programme_id == programme.id)
        .order_by(QuestionCategory.name, QuestionCategory.id, Question.id)))


@dataclass
class ProgrammeExams:
    stage1: Exam | None
    final: Exam | None
    practice: list[Exam] = field(default_factory=list)  # by module week and position


def programme_exams(programme: Programme) -> ProgrammeExams:
    exams = list(db.session.scalars(select(Exam).where(Exam.programme_id == programme.id).order_by(Exam.id)))
    practice = sorted((e for e in exams if e.kind == PRACTICE),
                      key=lambda e: (e.module.week, e.module.position, e.id) if e.module else (0, 0, e.id))
    return ProgrammeExams(stage1=next((e for e in exams if e.kind == STAGE1), None),
                          final=next((e for e in exams if e.kind == FINAL), None), practice=practice)


def read_question_file(filename: str, data: bytes) -> ParseResult:
    """Parse an upload by its extension: .xml as Moodle XML, .csv as single-choice questions."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xml":
        return parse_moodle_xml(data)
    if suffix == ".csv":
        return parse_csv_single_choice(data)
    return ParseResult(errors=[_("Choose a Moodle XML file (.xml) or a CSV file of single-choice questions (.csv).")])


# ---- editing a question -----------------------------------------------------------------------


@dataclass
class OptionRow:
    """One row of the options table: an existing option (option_id) or the empty row for a new one."""

    option_id: int | None
    text: str
    correct: bool = False
    match: str = ""

    @property
    def key(self) -> str:
        return str(self.option_id) if self.option_id is not None else NEW

    @property
    def blank(self) -> bool:
        return not self.text.strip() and not self.match.strip()


@dataclass
class QuestionChanges:
    name: str
    text: str
    points: float
    feedback: str = ""
    explanation: str = ""
    active: bool = True
    scoring: str | None = None  # multiple response only
    tolerance: float | None = None  # numeric only
    options: list[OptionRow] = field(default_factory=list)


def current_rows(question: Question) -> list[OptionRow]:
    return [OptionRow(o.id, o.text, o.correct, o.match) for o in question.options]


def rows_from_form(question: Question, form: Mapping[str, str]) -> list[OptionRow]:
    """The options as posted: opt-<id>-text, opt-<id>-correct, opt-<id>-match, and the same with opt-new-."""
    qtype = question.qtype
    if qtype == ESSAY:
        return []
    rows = []
    for option in question.options:
        rows.append(_row(qtype, option.id, form, option))
    if qtype != TRUEFALSE:
        rows.append(_row(qtype, None, form, None))
    return rows


def _row(qtype: str, option_id: int | None, form: Mapping[str, str], option: QuestionOption | None) -> OptionRow:
    prefix = f"opt-{option_id if option_id is not None else NEW}-"
    text = (form.get(prefix + "text") or "").strip()
    if qtype == TRUEFALSE and option is not None:
        text = option.text  # True and False are fixed
    if qtype in (SHORT, NUMERIC):
        correct = True  # every listed answer is accepted
    elif qtype == MATCHING:
        correct = option.correct if option is not None else False
    else:
        correct = prefix + "correct" in form
    match = (form.get(prefix + "match") or "").strip() if qtype == MATCHING else ""
    return OptionRow(option_id, text, correct, match)


def submitted_answers(question: Question) -> int:
    """Answers to this question in attempts already handed in."""
    return db.session.scalar(
        select(func.count()).select_from(AttemptQuestion).join(AttemptQuestion.attempt)
        .where(AttemptQuestion.question_id == question.id, ExamAttempt.status != IN_PROGRESS)) or 0


def in_attempts(question: Question) -> bool:
    return db.session.scalar(select(AttemptQuestion.id).where(AttemptQuestion.question_id == question.id)
                             .limit(1)) is not None


def answer_key(qtype: str, points: float, scoring: str | None, tolerance: float | None,
               rows: list[OptionRow]) -> tuple:
    """Everything the score of an answer depends on: equal keys, equal scores."""
    if qtype in (SINGLE, TRUEFALSE):
        options = frozenset(r.key for r in rows if r.correct)
    elif qtype == MULTI:
        correct = frozenset(r.key for r in rows if r.correct)
        wrong = frozenset(r.key for r in rows if not r.correct) if scoring == PARTIAL else None
        options = (scoring, correct, wrong)
    elif qtype == SHORT:
        options = frozenset(normalise_text(r.text) for r in rows)
    elif qtype == NUMERIC:
        options = (float(tolerance or 0.0), frozenset(parse_number(r.text) for r in rows))
    elif qtype == MATCHING:
        options = frozenset((r.key, normalise_text(r.match)) for r in rows if r.text.strip())
    else:
        options = ()
    return float(points), options


def _check_options(qtype: str, rows: list[OptionRow], problems: dict[str, list[str]]) -> None:
    complain = problems["options"].append
    if qtype in (SINGLE, MULTI):
        if len(rows) < 2:
            complain(_("A choice question needs at least two options."))
        correct = sum(1 for r in rows if r.correct)
        if qtype == SINGLE and correct != 1:
            complain(_("Mark exactly one option as correct (%(n)d are marked).", n=correct))
        if qtype == MULTI and correct < 1:
            complain(_("Mark at least one option as correct."))
    elif qtype == TRUEFALSE:
        if sum(1 for r in rows if r.correct) != 1:
            complain(_("Mark exactly one of True and False as correct."))
    elif qtype in (SHORT, NUMERIC):
        if not rows:
            complain(_("Give at least one accepted answer."))
        if qtype == NUMERIC:
            for row in rows:
                if parse_number(row.text) is None:
                    complain(_("The accepted answer “%(text)s” is not a number.", text=row.text))
    elif qtype == MATCHING:
        for row in rows:
            if row.text.strip() and not row.match.strip():
                complain(_("The prompt “%(text)s” has no matching answer.", text=row.text))
        if sum(1 for r in rows if r.text.strip() and r.match.strip()) < 2:
            complain(_("A matching question needs at least two pairs."))


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def update_question(question: Question, changes: QuestionChanges, actor, reason: str = "") -> int | None:
    """Save a question. If its key changed and trainees have handed in answers, a reason is required and every
    answer is regraded (audited). Returns how many answers the regrade changed, or None when none was due.
    Refuses with Problems (nothing changed) and does not commit."""
    qtype = question.qtype
    problems: dict[str, list[str]] = defaultdict(list)
    if not (_finite(changes.points) and changes.points > 0):
        problems["points"].append(_("The points must be more than 0."))
    if qtype == NUMERIC and not (_finite(changes.tolerance) and changes.tolerance >= 0):
        problems["tolerance"].append(_("The tolerance must be 0 or more."))
    rows = [r for r in changes.options if not r.blank] if qtype != ESSAY else []
    _check_options(qtype, rows, problems)
    kept = {r.option_id for r in rows if r.option_id is not None}
    removed = [o for o in question.options if o.id not in kept]
    if removed and qtype not in (SHORT, NUMERIC) and in_attempts(question):
        problems["options"].append(_("Trainees have seen this question, so its options cannot be removed; "
                                     "mark an option wrong instead."))
    answered = submitted_answers(question)
    scoring = changes.scoring if qtype == MULTI and changes.scoring else question.scoring
    tolerance = changes.tolerance if qtype == NUMERIC and changes.tolerance is not None else question.tolerance
    points = changes.points if _finite(changes.points) else question.points
    old_key = answer_key(qtype, question.points, question.scoring, question.tolerance, current_rows(question))
    key_changed = answer_key(qtype, points, scoring, tolerance, rows) != old_key
    if qtype == ESSAY and answered and points != question.points:
        problems["points"].append(_("Trainees have answered this essay question and trainers grade it out of "
                                    "its points, so the points cannot change now."))
    elif key_changed and answered and not reason.strip():
        problems["reason"].append(_("Trainees have handed in %(n)d answers to this question. Give a reason for "
                                    "changing its key: every answer will be regraded.", n=answered))
    if any(problems.values()):
        raise Problems(problems)

    points_changed = points != question.points
    question.name, question.text = changes.name.strip(), changes.text.strip()
    question.points, question.scoring, question.tolerance = points, scoring, tolerance
    question.feedback, question.explanation = changes.feedback.strip(), changes.explanation.strip()
    question.active = changes.active
    existing = {o.id: o for o in question.options}
    options = []  # the removed ones are left out, and deleted with the question's orphans
    for row in rows:
        option = existing[row.option_id] if row.option_id is not None else QuestionOption()
        option.text, option.correct, option.match = row.text, row.correct, row.match
        options.append(option)
    for position, option in enumerate(options, start=1):
        option.position = position
    question.options = options
    db.session.flush()
    if not (key_changed and answered):
        return None
    changed = grading.regrade_question(question, actor, reason.strip())
    if points_changed:  # the totals change even where an answer's score did not
        attempts = list(db.session.scalars(
            select(ExamAttempt).join(AttemptQuestion, AttemptQuestion.attempt_id == ExamAttempt.id)
            .where(AttemptQuestion.question_id == question.id, ExamAttempt.status != IN_PROGRESS)))
        for attempt in attempts:
            grading.finalise(attempt)
    return changed


# ---- exams ------------------------------------------------------------------------------------


@dataclass
class RuleRow:
    category: QuestionCategory
    active: int  # active questions in the category: the most a rule may draw
    count: int  # drawn now


def rule_rows(exam: Exam) -> list[RuleRow]:
    current = {rule.category_id: rule.count for rule in exam.rules}
    active = dict(db.session.execute(
        select(Question.category_id, func.count()).join(Question.category)
        .where(QuestionCategory.programme_id == exam.programme_id, Question.active.is_(True))
        .group_by(Question.category_id)).all())
    return [RuleRow(c, active.get(c.id, 0), current.get(c.id, 0)) for c in categories(exam.programme)]


def read_rule_counts(exam: Exam, form: Mapping[str, str]) -> dict[int, int]:
    """The posted counts (rule-<category id>), checked: whole numbers, at most the category's active
    questions, at least one question in all. Raises Problems keyed by category id and "rules"."""
    problems: dict[str, list[str]] = defaultdict(list)
    counts: dict[int, int] = {}
    for row in rule_rows(exam):
        raw = (form.get(f"rule-{row.category.id}") or "0").strip() or "0"
        try:
            count = int(raw)
        except ValueError:
            problems[str(row.category.id)].append(_("Enter a whole number of questions (0 for none)."))
            continue
        if count < 0:
            problems[str(row.category.id)].append(_("Enter a whole number of questions (0 for none)."))
        elif count > row.active:
            problems[str(row.category.id)].append(
                _("“%(cat)s” has only %(n)d active questions; the exam cannot draw %(count)d.",
                  cat=row.category.name, n=row.active, count=count))
        counts[row.category.id] = count
    if not problems and sum(counts.values()) < 1:
        problems["rules"].append(_("Draw at least one question."))
    if problems:
        raise Problems(problems)
    return counts


def save_rules(exam: Exam, counts: Mapping[int, int]) -> None:
    """Replace the exam's draw rules: one per category with a count above 0."""
    by_category = {rule.category_id: rule for rule in exam.rules}
    rules = []
    for category_id, count in counts.items():
        if count <= 0:
            continue
        rule = by_category.get(category_id) or ExamRule(category_id=category_id)
        rule.count = count
        rules.append(rule)
    exam.rules = rules
    db.session.flush()


def default_title(kind: str, module: Module | None) -> str:
    if kind == STAGE1:
        return _("Stage-1 exam")
    if kind == FINAL:
        return _("Final exam")
    return _("Practice quiz: %(module)s", module=module.title if module else "")


def create_exam(programme: Programme, kind: str, module: Module | None = None, title: str = "") -> Exam:
    """A new exam without questions yet. Stage 1 and the final exam exist at most once per programme;
    a practice quiz belongs to one of the programme's modules. Does not commit."""
    if kind in (STAGE1, FINAL):
        existing = db.session.scalar(select(Exam).where(Exam.programme_id == programme.id, Exam.kind == kind))
        if existing is not None:
            if kind == STAGE1:
                raise RuleError(_("This programme already has a stage-1 exam (“%(title)s”); a programme has only "
                                  "one. Change its settings instead.", title=existing.title))
            raise RuleError(_("This programme already has a final exam (“%(title)s”); a programme has only one. "
                              "Change its settings instead.", title=existing.title))
        module = None
    elif kind == PRACTICE:
        if module is None:
            raise RuleError(_("Choose the module this practice quiz belongs to."))
        if module.programme_id != programme.id:
            raise RuleError(_("That module belongs to another programme."))
    else:
        raise RuleError(_("Unknown kind of exam."))
    exam = Exam(programme=programme, module=module, kind=kind,
                title=(title or "").strip() or default_title(kind, module))
    db.session.add(exam)
    db.session.flush()
    return exam
