"""Certificate forms: revocation, reissue, the verification upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown to anyone who verifies the code)"),
                           validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Revoke the certificate"))


class ReissueForm(FlaskForm):
    holder_name = StringField(_l("Name as it should appear"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Reissue with a new code"))


class UploadCheckForm(FlaskForm):
    file = FileField(_l("Certificate PDF"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))
