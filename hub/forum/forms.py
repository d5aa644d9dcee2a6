"""Forms of the forum. Limits live here so that the messages sit next to the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from hub.core.guards import BoundedIntegerField, SingleLine

TITLE_MIN, TITLE_MAX = 10, 200
BODY_MIN, BODY_MAX = 10, 20_000
ANSWER_MIN = 2
COMMENT_MAX = 600


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _title_field() -> StringField:
    return StringField(
        _l("Rubrik"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Skriv en rubrik.")),
            Length(
                TITLE_MIN,
                TITLE_MAX,
                _l("Rubriken ska vara %(min)d–%(max)d tecken lång."),
            ),
            SingleLine(),
        ],
    )


def _body_field(label, minimum: int = BODY_MIN) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(_l("Skriv något här.")),
            Length(minimum, BODY_MAX, _l("Texten ska vara %(min)d–%(max)d tecken lång.")),
        ],
    )


def _tags_field() -> StringField:
    return StringField(
        _l("Taggar"),
        filters=[_strip],
        validators=[Optional(), Length(max=300, message=_l("Högst %(max)d tecken."))],
    )


class AskForm(FlaskForm):
    title = _title_field()
    category = SelectField(
        _l("Kategori"), coerce=int, validators=[InputRequired(_l("Välj en kategori."))]
    )
    body = _body_field(_l("Din fråga"))
    tags = _tags_field()


class EditQuestionForm(FlaskForm):
    title = _title_field()
    body = _body_field(_l("Din fråga"))
    tags = _tags_field()


class AnswerForm(FlaskForm):
    body = _body_field(_l("Ditt svar"), minimum=ANSWER_MIN)


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Kommentar"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Skriv en kommentar.")),
            Length(max=COMMENT_MAX, message=_l("En kommentar får vara högst %(max)d tecken.")),
        ],
    )


class FlagForm(FlaskForm):
    target_type = HiddenField(validators=[DataRequired()])
    target_id = HiddenField(validators=[DataRequired()])
    reason = StringField(
        _l("Varför ska en moderator titta på det här?"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Skriv en kort anledning.")),
            Length(3, 500, _l("Anledningen ska vara %(min)d–%(max)d tecken.")),
        ],
    )


class ModerationForm(FlaskForm):
    reason = StringField(
        _l("Anledning"),
        filters=[_strip],
        validators=[Optional(), Length(max=500, message=_l("Högst %(max)d tecken."))],
    )


def _reason_field() -> StringField:
    return StringField(
        _l("Anledning"),
        filters=[_strip],
        validators=[Optional(), Length(max=500, message=_l("Högst %(max)d tecken."))],
    )


class MoveForm(FlaskForm):
    category = SelectField(_l("Flytta till kategori"), coerce=int)
    move_reason = _reason_field()


class MergeForm(FlaskForm):
    merge_reason = _reason_field()
    target = BoundedIntegerField(
        _l("Slå ihop med fråga nummer"),
        validators=[
            InputRequired(_l("Skriv numret på frågan som ska finnas kvar.")),
            NumberRange(min=1, message=_l("Skriv ett frågenummer.")),
        ],
    )


class AskToAnswerForm(FlaskForm):
    name = StringField(
        _l("Be en kollega svara"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Skriv kollegans namn.")),
            Length(max=120, message=_l("Högst %(max)d tecken.")),
        ],
    )
