"""Forms for a member's own data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length


class DeleteAccountForm(FlaskForm):
    posts = RadioField(
        _l("Vad ska hända med dina inlägg i forumet?"),
        choices=[
            SelectChoice("keep", _l("Låt dem ligga kvar, som skrivna av ”borttagen medlem”")),
            SelectChoice("delete", _l("Ta bort dem också")),
        ],
        default="keep",
        validators=[InputRequired(_l("Välj vad som ska hända med dina inlägg."))],
    )
    password = PasswordField(
        _l("Ditt lösenord"),
        validators=[DataRequired(_l("Skriv ditt lösenord för att bekräfta.")), Length(max=1024)],
    )


class AdminDeleteAccountForm(FlaskForm):
    posts = DeleteAccountForm.posts
