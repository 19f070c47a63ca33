"""Forms shared by every area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token: for mark-done, delete and similar actions."""

    submit = SubmitField(_l("Confirm"))


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]


LANGUAGE_CHOICES = (("en", "English"), ("az", "Azərbaycanca"), ("ru", "Русский"))
