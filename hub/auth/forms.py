"""Account forms. Password rules live in ``passwords.check_password_policy``."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, ValidationError

from hub.auth.passwords import MAX_LENGTH, check_password_policy

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

EMAIL_REQUIRED = _l("Skriv din e-postadress.")


def no_control_characters(form: FlaskForm, field: Field) -> None:
    """NUL and other control characters cannot be stored (PostgreSQL refuses NUL)."""
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(_l("Texten innehåller tecken som inte går att använda."))


EMAIL_INVALID = _l("Skriv en e-postadress som namn@kommun.se.")


def current_password_field() -> PasswordField:
    """The password someone confirms a change to their account with."""
    return PasswordField(
        _l("Nuvarande lösenord"),
        validators=[DataRequired(_l("Skriv ditt nuvarande lösenord.")), Length(max=MAX_LENGTH)],
    )


def email_field(label=None) -> EmailField:
    return EmailField(
        label or _l("E-postadress"),
        validators=[
            DataRequired(EMAIL_REQUIRED),
            Length(max=254, message=_l("E-postadressen är för lång.")),
            no_control_characters,
            Email(EMAIL_INVALID),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


def name_field() -> StringField:
    return StringField(
        _l("Namn"),
        validators=[
            DataRequired(_l("Skriv ditt namn.")),
            Length(max=120, message=_l("Namnet får ha högst 120 tecken.")),
            no_control_characters,
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


def new_password_field(label=None) -> PasswordField:
    return PasswordField(
        label or _l("Lösenord"),
        validators=[
            DataRequired(_l("Välj ett lösenord.")),
            Length(max=MAX_LENGTH, message=_l("Lösenordet är för långt.")),
        ],
    )


class NewPasswordMixin:
    """Checks ``password`` against the policy, knowing the person's address and name."""

    def policy_context(self) -> tuple[str, str]:
        email = getattr(self, "email", None)
        name = getattr(self, "name", None)
        return (email.data or "") if email else "", (name.data or "") if name else ""

    def validate_password(self, field: Field) -> None:
        email, name = self.policy_context()
        errors = check_password_policy(field.data or "", email=email, name=name)
        if errors:
            raise ValidationError(errors[0])


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(EMAIL_REQUIRED), Length(max=254), no_control_characters],
    )
    password = PasswordField(
        _l("Lösenord"), validators=[DataRequired(_l("Skriv ditt lösenord.")), Length(max=1024)]
    )
    remember = BooleanField(_l("Kom ihåg mig på den här datorn"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Kod"),
        validators=[
            DataRequired(_l("Skriv koden från appen, eller en av dina reservkoder.")),
            Length(max=40, message=_l("Koden är för lång.")),
        ],
    )


class SignUpForm(NewPasswordMixin, FlaskForm):
    name = name_field()
    email = email_field(_l("E-postadress på jobbet"))
    password = new_password_field()


class InvitationSignUpForm(NewPasswordMixin, FlaskForm):
    name = name_field()
    municipality = SelectField(_l("Kommun"), choices=[], validate_choice=True)
    password = new_password_field()

    def __init__(self, *args, invitation_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitation_email = invitation_email

    def policy_context(self) -> tuple[str, str]:
        return self.invitation_email, self.name.data or ""


class EmailForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = new_password_field(_l("Nytt lösenord"))

    def __init__(self, *args, user_email: str = "", user_name: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.context = (user_email, user_name)

    def policy_context(self) -> tuple[str, str]:
        return self.context


class ChangePasswordForm(ResetPasswordForm):
    current_password = current_password_field()


class ChangeEmailForm(FlaskForm):
    new_email = email_field(_l("Ny e-postadress"))
    email_password = current_password_field()


class EnableTwoFactorForm(FlaskForm):
    code = StringField(
        _l("Kod från appen"),
        validators=[
            DataRequired(_l("Skriv den sexsiffriga koden från appen.")),
            Length(max=12, message=_l("Koden är för lång.")),
        ],
    )


class ConfirmPasswordForm(FlaskForm):
    current_password = current_password_field()


class InviteForm(FlaskForm):
    addresses = TextAreaField(
        _l("E-postadresser"),
        validators=[
            DataRequired(_l("Skriv minst en e-postadress.")),
            Length(max=20_000, message=_l("Listan är för lång. Dela upp den.")),
        ],
    )
    municipality = SelectField(_l("Kommun"), choices=[], validate_choice=True)


__all__ = [
    "ChangeEmailForm",
    "ChangePasswordForm",
    "CodeForm",
    "ConfirmPasswordForm",
    "EmailForm",
    "EnableTwoFactorForm",
    "InvitationSignUpForm",
    "InviteForm",
    "LoginForm",
    "ResetPasswordForm",
    "SignUpForm",
]


class JoinRequestForm(FlaskForm):
    """Asking to join when one's municipality cannot sign up by itself yet."""

    name = name_field()
    email = email_field(_l("E-postadress på jobbet"))
    municipality = StringField(
        _l("Kommun där du arbetar"),
        validators=[
            DataRequired(_l("Skriv vilken kommun du arbetar i.")),
            Length(max=80, message=_l("Skriv högst 80 tecken.")),
            no_control_characters,
        ],
    )
    message = TextAreaField(
        _l("Vill du berätta något mer? (frivilligt)"),
        validators=[
            Length(max=1000, message=_l("Skriv högst 1000 tecken.")),
            no_control_characters,
        ],
    )
