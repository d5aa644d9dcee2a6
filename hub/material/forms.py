"""Forms of the material library. Files are checked in ``files.py``; these check the text."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hub.material.models import Kind, SourceKind

TITLE_MIN, TITLE_MAX = 3, 200
SUMMARY_MAX = 2000
BODY_MAX = 50_000


def kind_choices() -> list[SelectChoice]:
    return [
        SelectChoice(Kind.FILM, _l("Film")),
        SelectChoice(Kind.GUIDE, _l("Samtalsguide")),
        SelectChoice(Kind.DOCUMENT, _l("Dokument")),
        SelectChoice(Kind.HOWTO, _l("Så gör du (en sida här)")),
        SelectChoice(Kind.LINK, _l("Länk")),
    ]


def source_choices() -> list[SelectChoice]:
    return [
        SelectChoice(SourceKind.PROJECT, _l("Ett projekt")),
        SelectChoice(SourceKind.MUNICIPALITY, _l("En kommun")),
        SelectChoice(SourceKind.MEMBER, _l("Jag själv eller en medlem")),
    ]


LICENCES = {
    "cc-by": "CC BY 4.0",
    "cc-by-sa": "CC BY-SA 4.0",
    "cc-by-nc": "CC BY-NC 4.0",
    "cc0": "CC0",
    "all-rights": _l("Alla rättigheter förbehållna (får visas här)"),
}
LANGUAGES = {"sv": _l("svenska"), "en": _l("engelska"), "other": _l("annat språk")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def web_address(form, field) -> None:
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in field.data:
        raise ValidationError(_l("Skriv en hel webbadress som börjar med https://"))


class ItemFields(FlaskForm):
    title = StringField(
        _l("Rubrik"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Skriv en rubrik.")),
            Length(TITLE_MIN, TITLE_MAX, _l("Rubriken ska vara %(min)d–%(max)d tecken lång.")),
        ],
    )
    summary = TextAreaField(
        _l("Kort om materialet"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Skriv några meningar om vad materialet är och hur det kan användas.")),
            Length(max=SUMMARY_MAX, message=_l("Skriv högst %(max)d tecken.")),
        ],
    )
    care_areas = MultiCheckboxField(_l("Verksamhet"), validators=[Optional()])
    tags = StringField(
        _l("Ämnesord"),
        filters=[_strip],
        validators=[Optional(), Length(max=300, message=_l("Högst %(max)d tecken."))],
    )
    source_kind = RadioField(
        _l("Vem har gjort materialet?"),
        choices=source_choices(),
        default=SourceKind.MEMBER,
        validators=[InputRequired(_l("Välj vem som har gjort materialet."))],
    )
    source_name = StringField(
        _l("Projektets eller kommunens namn"),
        filters=[_strip],
        validators=[Length(max=120, message=_l("Högst %(max)d tecken."))],
    )
    licence = SelectField(
        _l("Licens"),
        choices=[SelectChoice(k, v) for k, v in LICENCES.items()],
        default="cc-by",
        validators=[InputRequired(_l("Välj en licens."))],
    )
    language = SelectField(
        _l("Språk"),
        choices=[SelectChoice(k, v) for k, v in LANGUAGES.items()],
        default="sv",
        validators=[InputRequired(_l("Välj ett språk."))],
    )
    url = StringField(
        _l("Webbadress"),
        filters=[_strip],
        validators=[Optional(), Length(max=500), web_address],
    )
    body = TextAreaField(
        _l("Texten"),
        validators=[Optional(), Length(max=BODY_MAX, message=_l("Skriv högst %(max)d tecken."))],
    )

    def validate_source_name(self, field) -> None:
        if self.source_kind.data != SourceKind.MEMBER and not field.data:
            raise ValidationError(_l("Skriv projektets eller kommunens namn."))


class NewItemForm(ItemFields):
    kind = RadioField(
        _l("Vad vill du dela?"),
        choices=kind_choices(),
        validators=[InputRequired(_l("Välj vad du vill dela."))],
    )
    # The files come last in the form: the text has arrived when a file is refused mid-way.
    file = FileField(_l("Fil"))
    captions = FileField(_l("Textning (WebVTT, .vtt)"))


class EditItemForm(ItemFields):
    pass


class CaptionsForm(FlaskForm):
    captions = FileField(_l("Textning (WebVTT, .vtt)"))


class MeetingChoiceForm(FlaskForm):
    meeting = SelectField(_l("Träff"), coerce=int, validate_choice=True)
