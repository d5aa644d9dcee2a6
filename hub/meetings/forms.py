"""Forms of the meetings part."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from hub.core.db import utcnow
from hub.core.guards import BoundedIntegerField, SingleLine
from hub.meetings.localtime import NonexistentLocalTime, stockholm_to_utc

GAP_MESSAGE = _l("Den tiden finns inte den dagen: klockan ställs fram en timme. Välj en annan tid.")


class LocalDateField(DateField):
    """A date with a Swedish message when it cannot be read."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Välj ett datum, till exempel 2026-10-25.")) from error


class LocalTimeField(TimeField):
    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Skriv tiden som TT:MM, till exempel 09:30.")) from error


class CountField(BoundedIntegerField):
    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Skriv ett heltal, till exempel 25.")) from error


def http_url(form, field) -> None:
    value = (field.data or "").strip()
    field.data = value
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValidationError(_l("Länken måste börja med https:// eller http://."))


class MeetingForm(FlaskForm):
    title = StringField(
        _l("Rubrik"),
        validators=[
            DataRequired(_l("Skriv en rubrik för träffen.")),
            Length(max=200, message=_l("Rubriken får vara högst 200 tecken.")),
            SingleLine(),
        ],
    )
    day = LocalDateField(
        _l("Datum"),
        validators=[InputRequired(_l("Välj ett datum, till exempel 2026-10-25."))],
    )
    start_time = LocalTimeField(
        _l("Börjar klockan"), validators=[InputRequired(_l("Skriv när träffen börjar."))]
    )
    end_time = LocalTimeField(
        _l("Slutar klockan"), validators=[InputRequired(_l("Skriv när träffen slutar."))]
    )
    place = StringField(
        _l("Plats"),
        validators=[
            Optional(),
            Length(max=300, message=_l("Platsen får vara högst 300 tecken.")),
            SingleLine(),
        ],
    )
    online_url = StringField(
        _l("Länk till digitalt möte"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Länken får vara högst 500 tecken.")),
            http_url,
        ],
    )
    capacity = CountField(
        _l("Antal platser på plats"),
        validators=[
            Optional(),
            NumberRange(min=1, max=10_000, message=_l("Skriv ett antal mellan 1 och 10 000.")),
        ],
    )
    agenda = TextAreaField(
        _l("Dagordning"),
        validators=[
            Optional(),
            Length(max=20_000, message=_l("Dagordningen får vara högst 20 000 tecken.")),
        ],
    )

    # Set by validate(): the UTC moments the Stockholm times stand for.
    starts_at = None
    ends_at = None

    def __init__(self, *args, require_future: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.require_future = require_future

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        ok = True
        if not (self.place.data or "").strip() and not self.online_url.data:
            self.place.errors.append(
                _l("Skriv en plats, en länk till ett digitalt möte, eller båda.")
            )
            ok = False
        try:
            self.starts_at = stockholm_to_utc(self.day.data, self.start_time.data)
        except NonexistentLocalTime:
            self.start_time.errors.append(GAP_MESSAGE)
            return False
        try:
            self.ends_at = stockholm_to_utc(self.day.data, self.end_time.data)
        except NonexistentLocalTime:
            self.end_time.errors.append(GAP_MESSAGE)
            return False
        if self.ends_at <= self.starts_at:
            self.end_time.errors.append(_l("Träffen måste sluta efter att den har börjat."))
            ok = False
        if self.require_future and self.starts_at <= utcnow():
            self.day.errors.append(_l("Välj en tid som inte har passerat."))
            ok = False
        return ok


class RsvpForm(FlaskForm):
    response = RadioField(
        _l("Kommer du?"),
        choices=[
            SelectChoice("on_site", _l("Ja, på plats")),
            SelectChoice("online", _l("Ja, digitalt")),
            SelectChoice("not_coming", _l("Nej, jag kan inte")),
        ],
        validators=[InputRequired(_l("Välj ett svar."))],
    )


class TopicForm(FlaskForm):
    text = StringField(
        _l("Föreslå en fråga eller ett ämne"),
        validators=[DataRequired(_l("Skriv ditt förslag.")), Length(max=300), SingleLine()],
    )


class MinutesForm(FlaskForm):
    minutes = TextAreaField(
        _l("Minnesanteckningar"),
        validators=[DataRequired(_l("Skriv minnesanteckningarna.")), Length(max=50_000)],
    )


class CancelForm(FlaskForm):
    message = TextAreaField(
        _l("Meddelande till de inbjudna (frivilligt)"), validators=[Optional(), Length(max=1000)]
    )


class PassBatonForm(FlaskForm):
    to_code = SelectField(_l("Till kommun"), validators=[Optional()], validate_choice=False)
    reason = TextAreaField(
        _l("Varför lämnar ni över stafettpinnen?"),
        validators=[DataRequired(_l("Skriv en kort anledning.")), Length(max=500)],
    )


POLL_ROWS = 6


class PollForm(FlaskForm):
    """2–6 proposed times (rows left empty are ignored) for the network's next meeting."""

    title = StringField(
        _l("Rubrik för träffen"),
        validators=[
            DataRequired(_l("Skriv en rubrik för träffen.")),
            Length(max=200, message=_l("Rubriken får vara högst 200 tecken.")),
        ],
    )
    place = StringField(
        _l("Plats (om ni redan vet)"),
        validators=[Optional(), Length(max=300, message=_l("Platsen får vara högst 300 tecken."))],
    )

    # Set by validate(): (starts_at, ends_at) in UTC for each filled row.
    proposed: tuple = ()

    def rows(self) -> list[tuple]:
        return [
            (self[f"day_{i}"], self[f"start_{i}"], self[f"end_{i}"])
            for i in range(1, POLL_ROWS + 1)
        ]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        proposed = []
        ok = True
        for day, start, end in self.rows():
            filled = [f.data is not None for f in (day, start, end)]
            if not any(filled):
                continue
            if not all(filled):
                missing = next(f for f in (day, start, end) if f.data is None)
                missing.errors.append(_l("Fyll i datum, start och slut, eller lämna raden tom."))
                ok = False
                continue
            try:
                starts = stockholm_to_utc(day.data, start.data)
                ends = stockholm_to_utc(day.data, end.data)
            except NonexistentLocalTime:
                start.errors.append(GAP_MESSAGE)
                ok = False
                continue
            proposed.append((starts, ends))
        self.proposed = tuple(proposed)
        return ok


for _row in range(1, POLL_ROWS + 1):
    setattr(PollForm, f"day_{_row}", LocalDateField(_l("Datum"), validators=[Optional()]))
    setattr(PollForm, f"start_{_row}", LocalTimeField(_l("Börjar"), validators=[Optional()]))
    setattr(PollForm, f"end_{_row}", LocalTimeField(_l("Slutar"), validators=[Optional()]))


class ClosePollForm(FlaskForm):
    option = RadioField(
        _l("Vilken tid blir det?"),
        coerce=int,
        validators=[InputRequired(_l("Välj en av tiderna."))],
        validate_choice=False,
    )
