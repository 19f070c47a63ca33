"""Certificate forms: revocation, reissue, the verification upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.forms import choices


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


class IssueOneForm(FlaskForm):
    kind = SelectField(_l("Certificate"), choices=choices([("trainer", _l("The programme's certificate")),
                                                           ("attendance", _l("Certificate of attendance"))]))
    reason = TextAreaField(_l("Reason (kept in the audit trail), e.g. a recognised equivalent qualification"),
                           validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Issue the certificate"))


class WithholdForm(FlaskForm):
    reason = TextAreaField(_l("Reason (kept in the audit trail)"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Withhold the certificate"))
