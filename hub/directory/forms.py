"""Forms of the directory part: the profile and privacy settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from hub.core.guards import NoInvisibleCharacters, SingleLine
from hub.core.tags import parse_tag_names, tag_slug
from hub.directory.models import Visibility
from hub.directory.profiles import MAX_PRESENTATION, MAX_TAG_LENGTH, MAX_TAGS

VISIBILITY_CHOICES = [
    SelectChoice(Visibility.MEMBERS.value, _l("Alla inloggade medlemmar")),
    SelectChoice(Visibility.COORDINATORS.value, _l("Bara samordnare och administratörer")),
    SelectChoice(Visibility.NOBODY.value, _l("Ingen annan än jag")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        validators=[
            DataRequired(_l("Skriv ditt namn.")),
            Length(max=120, message=_l("Namnet får vara högst %(max)d tecken.")),
            SingleLine(),
        ],
    )
    title = StringField(
        _l("Titel"),
        validators=[
            Length(max=120, message=_l("Titeln får vara högst %(max)d tecken.")),
            SingleLine(),
        ],
    )
    role_type = SelectField(_l("Roll"), choices=[], validate_choice=True)
    municipality = SelectField(_l("Kommun"), choices=[])
    unit = SelectField(_l("Del av kommunen"), choices=[])
    care_areas = MultiCheckboxField(_l("Verksamhetsområden"), choices=[])
    workplace = StringField(
        _l("Arbetsplats"),
        validators=[
            Length(max=160, message=_l("Arbetsplatsen får vara högst %(max)d tecken.")),
            SingleLine(),
        ],
    )
    presentation = TextAreaField(
        _l("Presentation"),
        validators=[
            NoInvisibleCharacters(),
            Length(
                max=MAX_PRESENTATION,
                message=_l(
                    "Presentationen får vara högst %(max)d tecken. Nu är den %(length)d tecken."
                ),
            ),
        ],
    )
    expertise = StringField(_l("Det här kan jag"), validators=[SingleLine()])
    work_phone = StringField(
        _l("Telefon i tjänsten"),
        validators=[
            SingleLine(),
            Optional(),
            Regexp(
                r"^\+?[0-9][0-9 ()\-]{4,38}$",
                message=_l("Skriv ett telefonnummer med siffror, till exempel 035-12 34 56."),
            ),
        ],
    )
    email_visibility = RadioField(_l("Vem får se din e-postadress?"), choices=VISIBILITY_CHOICES)
    phone_visibility = RadioField(_l("Vem får se ditt telefonnummer?"), choices=VISIBILITY_CHOICES)
    hidden_from_directory = BooleanField(_l("Dölj mig i katalogen"))
    photo = FileField(_l("Ny bild"))
    remove_photo = BooleanField(_l("Ta bort bilden"))

    def validate_expertise(self, field: StringField) -> None:
        names = parse_tag_names(field.data or "")
        if len(names) > MAX_TAGS:
            raise ValidationError(_l("Välj högst %(max)s ämnen.", max=MAX_TAGS))
        too_long = [name for name in names if len(name) > MAX_TAG_LENGTH]
        if too_long:
            raise ValidationError(
                _l("Varje ämne får vara högst %(max)s tecken.", max=MAX_TAG_LENGTH)
            )
        if (field.data or "").strip() and not any(tag_slug(name) for name in names):
            raise ValidationError(_l("Skriv ämnen med bokstäver eller siffror."))

    def validate_unit(self, field: SelectField) -> None:
        # A unit must belong to the chosen municipality; the view tells which units do.
        allowed = getattr(self, "units_by_municipality", {})
        if field.data and field.data not in allowed.get(self.municipality.data, set()):
            raise ValidationError(_l("Den delen hör inte till kommunen du valt."))


class DecideChangeForm(FlaskForm):
    """Approve or refuse a change of municipality: buttons only (the CSRF token is the point)."""
