"""Forms of the pipeline editor: a stage, a move, and one cohort's stage dates."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp

from lms.forms import choices
from lms.pipeline.registry import KINDS, stage_title
from lms.pipeline.services import KEY_PATTERN, StageData

# What each kind is, and what its pass value measures, in words for coordinators.
KIND_LABELS = {
    "modules": _l("Modules (distance learning)"),
    "exam": _l("Online exam"),
    "sessions": _l("Sessions (in person, online or hybrid)"),
    "practical": _l("Rubric-scored practical"),
}
FIGURE_LABELS = {
    "score": _l("Score of at least %(n)s %%"),
    "attendance": _l("Attendance of at least %(n)s %%"),
    "modules": _l("At least %(n)s %% of the modules completed"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def rule_text(figure: str, value) -> str:
    label = FIGURE_LABELS.get(figure)
    return str(label) % {"n": value} if label else f"{figure} {value}"


class StageForm(FlaskForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=40), Regexp(
        KEY_PATTERN.pattern, message=_l("Small letters, digits, - and _; starting with a letter."))])
    kind = SelectField(_l("Kind"))
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    title_az = StringField(_l("Title (Azerbaijani)"), validators=[Length(max=200)])
    title_ru = StringField(_l("Title (Russian)"), validators=[Length(max=200)])
    offset_days = IntegerField(_l("Opens (days after the cohort starts)"), default=0,
                               validators=[NumberRange(0, 3650)])
    length_days = IntegerField(_l("Length (days)"), default=1, validators=[NumberRange(1, 3650)])
    after = SelectMultipleField(_l("Opens after passing"), validators=[Optional()])
    pass_value = IntegerField(_l("Pass value (percent)"), default=70, validators=[NumberRange(0, 100)])
    weight = IntegerField(_l("Weight in the final score (percent, optional)"),
                          validators=[Optional(), NumberRange(0, 100)])
    required = BooleanField(_l("Required for the award"), default=True)
    submit = SubmitField(_l("Save stage"))

    def set_choices(self, earlier) -> None:
        self.kind.choices = choices((name, kind_label(name)) for name in KINDS)
        self.after.choices = choices((s.key, stage_title(s)) for s in earlier)

    def fill(self, stage) -> None:
        self.key.data, self.kind.data = stage.key, stage.kind
        for lang in ("en", "az", "ru"):
            getattr(self, f"title_{lang}").data = (stage.title or {}).get(lang, "")
        self.offset_days.data, self.length_days.data = stage.offset_days, stage.length_days
        self.after.data = list(stage.after or [])
        self.pass_value.data = next(iter((stage.rule or {}).values()), 70)
        self.weight.data, self.required.data = stage.weight, stage.required

    def stage_data(self) -> StageData:
        return StageData(
            key=(self.key.data or "").strip(), kind=self.kind.data,
            title={lang: getattr(self, f"title_{lang}").data or "" for lang in ("en", "az", "ru")},
            offset_days=self.offset_days.data, length_days=self.length_days.data, after=list(self.after.data or []),
            pass_value=self.pass_value.data, weight=self.weight.data, required=bool(self.required.data))


class MoveForm(FlaskForm):
    """The pressed button (named `direction`) says which way."""

    direction = StringField(validators=[AnyOf(("up", "down"))])


def stage_dates_form(rows):
    """One pair of date inputs per stage, named opens_<id> / closes_<id>; `rows` as from `stage_dates`."""

    class StageDatesForm(FlaskForm):
        submit = SubmitField(_l("Save stage dates"))

    for stage, _opens, _closes in rows:
        title = stage_title(stage)
        setattr(StageDatesForm, f"opens_{stage.id}",
                DateField(_("“%(stage)s” opens", stage=title), validators=[DataRequired()]))
        setattr(StageDatesForm, f"closes_{stage.id}",
                DateField(_("“%(stage)s” closes", stage=title), validators=[DataRequired()]))
    data = {}
    for stage, opens, closes in rows:
        data[f"opens_{stage.id}"], data[f"closes_{stage.id}"] = opens, closes
    return StageDatesForm(data=data)
