"""Forms of the admin area. Uniqueness is checked by the owning parts' rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from hub.auth.models import Role, TenantKind
from hub.core.guards import BoundedIntegerField, SingleLine
from hub.core.links import ADDRESS_NAME_RE

SLUG_MESSAGE = _l("Använd bara små bokstäver a–z, siffror och bindestreck, t.ex. halland.")


def strip(value: str | None) -> str | None:
    # NUL too: GET search forms read the query string, which PostgreSQL would refuse.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def lower(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


class WholeNumberField(BoundedIntegerField):
    """An IntegerField whose parse error is ours, in Swedish, like every other message."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Skriv ett heltal, t.ex. 3.")) from error


def slug_field() -> StringField:
    """The address name of a network or category: part of its URL, so a–z, digits and hyphens."""
    return StringField(
        _l("Adressnamn"),
        filters=[lower],
        validators=[
            DataRequired(_l("Skriv ett adressnamn.")),
            Length(max=80),
            Regexp(ADDRESS_NAME_RE, message=SLUG_MESSAGE),
        ],
    )


def role_choices() -> list[tuple[str, str]]:
    return [
        (Role.MEMBER.value, _l("Medlem")),
        (Role.COORDINATOR.value, _l("Samordnare")),
        (Role.ADMIN.value, _l("Administratör")),
    ]


class RegionForm(FlaskForm):
    code = StringField(
        _l("Länskod (SCB)"),
        filters=[strip],
        validators=[
            DataRequired(_l("Skriv länets kod.")),
            Regexp(r"^\d{2}$", message=_l("Länskoden är två siffror, t.ex. 13.")),
        ],
    )
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(_l("Skriv länets namn.")), Length(max=80), SingleLine()],
    )


class MunicipalityForm(FlaskForm):
    scb_code = StringField(
        _l("Kommunnummer (fyra siffror från SCB)"),
        filters=[strip],
        validators=[
            DataRequired(_l("Skriv kommunens kod.")),
            Regexp(r"^\d{4}$", message=_l("Kommunnumret är fyra siffror, till exempel 1381.")),
        ],
    )
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(_l("Skriv kommunens namn.")), Length(max=80), SingleLine()],
    )
    region_code = SelectField(
        _l("Län"),
        validators=[DataRequired(_l("Välj ett län i listan."))],
        choices=[],
        validate_choice=False,
    )


class MunicipalityNameForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(_l("Skriv kommunens namn.")), Length(max=80), SingleLine()],
    )


class EmailDomainForm(FlaskForm):
    domain = StringField(
        _l("Ny e-postdomän"),
        filters=[lower],
        validators=[DataRequired(_l("Skriv en domän.")), Length(max=120)],
    )


def tenant_kind_choices() -> list[tuple[str, str]]:
    return [
        (TenantKind.ENTRA.value, _l("Microsoft Entra: klientorganisationens id (tenant id)")),
        (TenantKind.ISSUER.value, _l("Annan OpenID Connect-tjänst: utfärdarens adress (issuer)")),
        (TenantKind.SAML.value, _l("SAML: identitetsleverantörens entity ID")),
    ]


class SignInTenantForm(FlaskForm):
    kind = SelectField(_l("Slags inloggning"), choices=tenant_kind_choices, validate_choice=False)
    key = StringField(
        _l("Id eller adress"),
        filters=[strip],
        validators=[DataRequired(_l("Skriv id:t eller adressen.")), Length(max=255)],
    )


class UnitForm(FlaskForm):
    name = StringField(
        _l("Enhetens namn"),
        filters=[strip],
        validators=[DataRequired(_l("Skriv enhetens namn.")), Length(max=120), SingleLine()],
    )


class NetworkForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(_l("Skriv nätverkets namn.")), Length(max=120), SingleLine()],
    )
    slug = slug_field()
    description = TextAreaField(_l("Beskrivning"), filters=[strip], validators=[Length(max=5000)])
    rhythm_months = WholeNumberField(
        _l("Månader mellan träffarna"),
        default=3,
        validators=[
            InputRequired(_l("Skriv ett antal månader.")),
            NumberRange(1, 24, _l("Välj ett antal månader mellan 1 och 24.")),
        ],
    )


class NetworkMemberForm(FlaskForm):
    municipality_code = SelectField(
        _l("Lägg till kommun"),
        validators=[DataRequired(_l("Välj en kommun."))],
        choices=[],
        validate_choice=False,
    )


class CoordinatorForm(FlaskForm):
    email = EmailField(
        _l("Ny samordnares e-postadress"),
        filters=[lower],
        validators=[DataRequired(_l("Skriv en e-postadress.")), Length(max=254)],
    )


class CategoryForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(_l("Skriv kategorins namn.")), Length(max=120), SingleLine()],
    )
    slug = slug_field()
    description = TextAreaField(_l("Beskrivning"), filters=[strip], validators=[Length(max=2000)])
    position = WholeNumberField(
        _l("Plats i listan"),
        default=0,
        validators=[
            InputRequired(_l("Skriv ett tal.")),
            NumberRange(0, 1000, _l("Välj ett tal mellan 0 och 1000.")),
        ],
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Roll"), choices=role_choices, validate_choice=False)


class AccountSearchForm(FlaskForm):
    """GET form: no CSRF needed, nothing changes."""

    class Meta:
        csrf = False

    q = StringField(_l("Namn eller e-post börjar med"), filters=[strip])
    role = SelectField(
        _l("Roll"),
        choices=lambda: [("", _l("Alla roller")), *role_choices()],
        validate_choice=False,
    )
