"""Coordinator forms: programmes, cohorts, enrolment, modules, lessons, resources."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    distance_weeks = IntegerField(_l("Distance-learning weeks"), default=4, validators=[NumberRange(1, 12)])
    stage1_pass_mark = IntegerField(_l("Stage-1 pass mark (percent)"), default=70, validators=[NumberRange(0, 100)])
    stage1_attempts = IntegerField(_l("Stage-1 attempts allowed"), default=2, validators=[NumberRange(1, 10)])
    intensive_days = IntegerField(_l("Intensive days"), default=4, validators=[NumberRange(1, 14)])
    attendance_threshold = IntegerField(_l("Attendance threshold (percent)"), default=75,
                                        validators=[NumberRange(0, 100)])
    final_pass_mark = IntegerField(_l("Final exam pass mark (percent)"), default=70, validators=[NumberRange(0, 100)])
    practical_required = BooleanField(_l("A practical teach-back is required"), default=True)
    practical_rubric = TextAreaField(
        _l("Practical rubric: one criterion a line, as “Criterion | scale maximum | minimum”"),
        validators=[Length(max=5000)])
    practical_threshold = IntegerField(_l("Practical pass mark (percent of the rubric total)"), default=60,
                                       validators=[NumberRange(0, 100)])
    marker_margin = IntegerField(_l("Flag two markers who differ by more than (points)"), default=3,
                                 validators=[NumberRange(0, 100)])
    certificate_title = StringField(_l("Certificate title"), default="International Trainer Certificate",
                                    validators=[DataRequired(), Length(max=200)])
    validity_years = IntegerField(_l("Certificate validity (years)"), default=3, validators=[NumberRange(1, 20)])
    entitlement_en = TextAreaField(_l("What the certificate entitles its holder to (English)"),
                                   validators=[Length(max=500)])
    entitlement_az = TextAreaField(_l("What the certificate entitles its holder to (Azerbaijani)"),
                                   validators=[Length(max=500)])
    entitlement_ru = TextAreaField(_l("What the certificate entitles its holder to (Russian)"),
                                   validators=[Length(max=500)])
    group_size_cap = IntegerField(_l("Largest group size"), default=25, validators=[NumberRange(1, 1000)])
    submit = SubmitField(_l("Save programme"))


class CohortForm(FlaskForm):
    programme_id = SelectField(_l("Programme"), coerce=int)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    distance_start = DateField(_l("Distance learning starts"), validators=[DataRequired()])
    stage1_opens = DateField(_l("Stage-1 exam window opens"), validators=[DataRequired()])
    stage1_closes = DateField(_l("Stage-1 exam window closes"), validators=[DataRequired()])
    intensive_start = DateField(_l("First intensive day"), validators=[DataRequired()])
    final_exam_on = DateField(_l("Final exam day"), validators=[DataRequired()])
    venue = StringField(_l("Venue"), validators=[Length(max=300)])
    online_link = URLField(_l("Online link (hybrid)"), validators=[Optional(), URL(), Length(max=500)])
    capacity = IntegerField(_l("Capacity"), default=25, validators=[NumberRange(1, 1000)])
    trainer_ids = SelectMultipleField(_l("Trainers"), coerce=int)
    submit = SubmitField(_l("Save cohort"))


class EnrolForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    organisation = StringField(_l("Organisation"), validators=[Length(max=200)])
    country = StringField(_l("Country"), validators=[Length(max=100)])
    submit = SubmitField(_l("Enrol trainee"))


class CsvImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    submit = SubmitField(_l("Import trainees"))


class ModuleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    week = IntegerField(_l("Week"), default=1, validators=[NumberRange(1, 12)])
    position = IntegerField(_l("Order in the week"), default=1, validators=[NumberRange(1, 100)])
    summary = TextAreaField(_l("Summary (Markdown)"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Save module"))


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    position = IntegerField(_l("Order in the module"), default=1, validators=[NumberRange(1, 100)])
    body_md = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(), Length(max=100_000)])
    submit = SubmitField(_l("Save lesson"))


class LinkResourceForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    url = URLField(_l("Link"), validators=[DataRequired(), URL(), Length(max=500)])
    submit = SubmitField(_l("Add link"))


class FileResourceForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    file = FileField(_l("File"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload file"))
