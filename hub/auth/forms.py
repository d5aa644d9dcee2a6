"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Skriv din e-postadress.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Lösenord"), validators=[DataRequired(_l("Skriv ditt lösenord.")), Length(max=1024)]
    )
    remember = BooleanField(_l("Kom ihåg mig på den här datorn"))


__all__ = ["Email", "LoginForm"]
