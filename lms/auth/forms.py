"""Forms for accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from lms.auth.countries import country_choices
from lms.auth.services import password_problem
from lms.forms import LANGUAGE_CHOICES, choices


def strong_password(_form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send reset link"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), strong_password])
    confirm = PasswordField(
        _l("Repeat new password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    submit = SubmitField(_l("Save password"))


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=choices(LANGUAGE_CHOICES))
    submit = SubmitField(_l("Change language"))


class InviteForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=choices([("trainee", _l("Trainee")), ("trainer", _l("Trainer")), ("coordinator", _l("Coordinator"))]),
    )
    organisation = StringField(_l("Organisation"), validators=[Length(max=200)])
    country = SelectField(_l("Country"), default="")  # choices in the interface language: set_country_choices
    sex = SelectField(
        _l("Sex"), default="",
        description=_l("Used only for anonymous statistics on who our programmes reach; you may leave it blank."),
        choices=choices([("", _l("Not given")), ("female", _l("Female")), ("male", _l("Male")), ("other", _l("Other")),
                         ("prefer_not_to_say", _l("Prefers not to say"))]))
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_CHOICES))
    submit = SubmitField(_l("Send invitation"))

    def set_country_choices(self) -> None:
        self.country.choices = choices([("", _l("Not given")), *country_choices()])
