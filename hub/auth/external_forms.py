"""Forms for signing in with the municipality's own account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from hub.auth.forms import email_field


class ProviderStartForm(FlaskForm):
    # Off unless the member asks: members often sit at shared workplace computers.
    remember = BooleanField(_l("Kom ihåg mig på den här datorn"))


class LinkWithPasswordForm(FlaskForm):
    email = email_field(_l("E-postadress till ditt konto i Stafetten"))
    password = PasswordField(
        _l("Lösenord i Stafetten"),
        validators=[DataRequired(_l("Skriv ditt lösenord.")), Length(max=1024)],
    )


class LinkByMailForm(FlaskForm):
    email = email_field(_l("E-postadress till ditt konto i Stafetten"))


class NewMemberForm(FlaskForm):
    email = email_field(_l("Din e-postadress på jobbet"))
