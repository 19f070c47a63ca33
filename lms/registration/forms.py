"""The public registration form and the coordinator's settings and decision forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional


class RegistrationForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    institution = StringField(_l("Institution"), validators=[Length(max=200)])
    country = StringField(_l("Country"), validators=[Length(max=100)])
    consent = BooleanField(
        _l("I agree that my name, e-mail address, institution and country are kept to handle my registration "
           "and, once I have a place, my participation in this event."),
        validators=[DataRequired(_l("Please agree, so that we can handle your registration."))])
    # Left empty by people; bots that fill every field fill it too. Hidden by the style sheet.
    website = StringField(_l("Leave this field empty"), validators=[Length(max=200)])
    submit = SubmitField(_l("Register"))


class SettingsForm(FlaskForm):
    registration_open = BooleanField(_l("Registration is open"))
    registration_closes_on = DateField(_l("Last day to register (optional)"), validators=[Optional()])
    registration_needs_approval = BooleanField(
        _l("Registrations need my approval (otherwise first come, first served)"), default=True)
    capacity = IntegerField(_l("Capacity"), validators=[NumberRange(1, 1000)])
    registration_description = TextAreaField(_l("Short public description"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Save registration settings"))


class DecisionForm(FlaskForm):
    registration = HiddenField(validators=[DataRequired()])
    action = HiddenField(validators=[DataRequired()])
    confirmed = HiddenField()
    submit = SubmitField(_l("Confirm"))
