"""Exam forms: grading an answer, correcting a key, accommodations, exam settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.exams.models import AFTER_CLOSE, AFTER_LAST_ATTEMPT, AFTER_LAST_ATTEMPT_AND_CLOSE, IMMEDIATELY, NEVER
from lms.forms import choices


class GradeForm(FlaskForm):
    points = DecimalField(_l("Points"), validators=[InputRequired(), NumberRange(min=0)])
    feedback = TextAreaField(_l("Feedback to the trainee"), validators=[Length(max=5000)])
    reason = StringField(_l("Reason for a change"), validators=[Length(max=500)])
    submit = SubmitField(_l("Save grade"))


class ExtraTimeForm(FlaskForm):
    enrolment_id = SelectField(_l("Trainee"), coerce=int)
    minutes = IntegerField(_l("Extra minutes"), validators=[InputRequired(), NumberRange(0, 600)])
    submit = SubmitField(_l("Save extra time"))


# when each part of the review reaches the trainee (lms/exams/review.py)
REVIEW_CHOICES = choices([
    (IMMEDIATELY, _l("As soon as the attempt is graded")),
    (AFTER_LAST_ATTEMPT, _l("After their last attempt (or once they pass)")),
    (AFTER_CLOSE, _l("After the exam window closes")),
    (AFTER_LAST_ATTEMPT_AND_CLOSE, _l("After their last attempt and once the window closes")),
    (NEVER, _l("Never")),
])


class ExamSettingsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    time_limit_minutes = IntegerField(_l("Time limit (minutes, empty for none)"),
                                      validators=[Optional(), NumberRange(1, 600)])
    attempts_allowed = IntegerField(_l("Attempts allowed (final exam; empty for unlimited)"),
                                    validators=[Optional(), NumberRange(1, 20)])
    pass_mark = IntegerField(_l("Pass mark for practice quizzes (percent)"), validators=[NumberRange(0, 100)])
    shuffle_questions = BooleanField(_l("Shuffle questions"))
    shuffle_options = BooleanField(_l("Shuffle options"))
    review_responses = SelectField(_l("Trainees see their own answers"), choices=REVIEW_CHOICES)
    review_marks = SelectField(_l("Trainees see the points for each question"), choices=REVIEW_CHOICES)
    review_answers = SelectField(_l("Trainees see the correct answers"), choices=REVIEW_CHOICES)
    review_feedback = SelectField(_l("Trainees see the feedback and explanations"), choices=REVIEW_CHOICES)
    submit = SubmitField(_l("Save settings"))
