"""Forms of the shared pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class AccessibilityReportForm(FlaskForm):
    description = TextAreaField(
        _l("Vad fungerade inte?"),
        validators=[
            DataRequired(_l("Beskriv vad som inte fungerade.")),
            Length(max=4000, message=_l("Skriv högst 4 000 tecken.")),
        ],
    )
    email = EmailField(
        _l("Din e-postadress (om du vill ha svar)"),
        validators=[
            Optional(),
            Length(max=254),
            Email(_l("Skriv en e-postadress som namn@exempel.se."), check_deliverability=False),
        ],
    )
