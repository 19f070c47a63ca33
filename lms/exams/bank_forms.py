"""Forms of the question bank and exam set-up screens."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FloatField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.courses.models import Programme
from lms.exams.forms import ExamSettingsForm
from lms.exams.models import (
    ALL_OR_NOTHING,
    ESSAY,
    FINAL,
    MATCHING,
    MULTI,
    NUMERIC,
    PARTIAL,
    PRACTICE,
    SHORT,
    SINGLE,
    STAGE1,
    TRUEFALSE,
    Exam,
    Question,
)
from lms.forms import choices

QUESTION_TYPE_LABELS = {
    SINGLE: _l("Single choice"),
    MULTI: _l("Multiple response"),
    TRUEFALSE: _l("True/false"),
    SHORT: _l("Short answer"),
    NUMERIC: _l("Numerical"),
    MATCHING: _l("Matching"),
    ESSAY: _l("Essay"),
}
EXAM_KIND_LABELS = {STAGE1: _l("Stage-1 exam"), FINAL: _l("Final exam"), PRACTICE: _l("Practice quiz")}


class QuestionImportForm(FlaskForm):
    file = FileField(_l("Question file: Moodle XML (.xml) or single-choice CSV (.csv)"),
                     validators=[FileRequired()])
    submit = SubmitField(_l("Import questions"))


class QuestionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    text = TextAreaField(_l("Question text (Markdown)"), validators=[DataRequired(), Length(max=20_000)])
    points = FloatField(_l("Points"), validators=[InputRequired()])
    scoring = SelectField(_l("Scoring"), choices=choices([
        (ALL_OR_NOTHING, _l("All or nothing: every right option and no wrong one")),
        (PARTIAL, _l("Partial credit: right options count, wrong ones take away")),
    ]))
    tolerance = FloatField(_l("Tolerance (an answer this far from an accepted number is right)"),
                           validators=[InputRequired(), NumberRange(min=0)])
    feedback = TextAreaField(_l("General feedback"), validators=[Length(max=5000)])
    explanation = TextAreaField(_l("Explanation shown in review"), validators=[Length(max=5000)])
    active = BooleanField(_l("Active (may be drawn for exams)"))
    reason = StringField(_l("Reason for the change"), validators=[Length(max=500)])
    submit = SubmitField(_l("Save question"))


def question_form(question: Question) -> QuestionForm:
    """The form for this question's type: scoring only for multiple response, tolerance only for numerical."""
    form = QuestionForm(obj=question)
    if question.qtype != MULTI:
        del form.scoring
    if question.qtype != NUMERIC:
        del form.tolerance
    return form


def exam_settings_form(exam: Exam) -> ExamSettingsForm:
    """Stage 1 and the final exam take their pass mark from the programme, and stage 1 its attempts too;
    practice quizzes allow unlimited attempts. Only the fields that apply stay."""
    form = ExamSettingsForm(obj=exam)
    if exam.kind != PRACTICE:
        del form.pass_mark
    if exam.kind != FINAL:
        del form.attempts_allowed
    return form


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class NewExamForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices([(kind, label) for kind, label in EXAM_KIND_LABELS.items()]))
    module_id = SelectField(_l("Module (practice quizzes)"), coerce=_optional_int)
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Create exam"))


def new_exam_form(programme: Programme) -> NewExamForm:
    form = NewExamForm(prefix="exam")
    form.module_id.choices = choices(
        [("", _l("— none (stage 1 or final) —"))]
        # gettext, not lazy_gettext: a lazy string counts as safe HTML, and the title is user data.
        + [(str(m.id), _("Week %(week)d: %(title)s", week=m.week, title=m.title)) for m in programme.modules])
    return form
