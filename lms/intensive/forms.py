"""Forms of the intensive: session details and self check-in."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional

from lms.forms import choices


class SessionForm(FlaskForm):
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=200)])
    venue = StringField(_l("Venue"), validators=[Length(max=300)])
    online_link = URLField(_l("Online link for hybrid participants"), validators=[Optional(), URL(), Length(max=500)])
    submit = SubmitField(_l("Save session"))


class CheckInForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=12)])
    where = RadioField(_l("I am taking part"), choices=choices([("room", _l("in the room")), ("online", _l("online"))]),
                       default="room", validators=[Optional()])
    submit = SubmitField(_l("Check in"))


class PracticalCommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment for the trainee"), validators=[Length(max=3000)])
    submit = SubmitField(_l("Save scores"))
