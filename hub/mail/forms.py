"""Forms of the mail part."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from hub.mail.preferences import DELIVERY_CHOICES, FREQUENCY_CHOICES, MAIL_TEXT_CHOICES, TOPICS

CHOOSE = _l("Välj ett av alternativen.")


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _delivery(topic: str) -> RadioField:
    return RadioField(
        TOPICS[topic], choices=_choices(DELIVERY_CHOICES), validators=[InputRequired(CHOOSE)]
    )


class MailPreferencesForm(FlaskForm):
    digest_frequency = RadioField(
        _l("Sammanfattning"),
        choices=_choices(FREQUENCY_CHOICES),
        validators=[InputRequired(CHOOSE)],
    )
    answers = _delivery("answers")
    mentions = _delivery("mentions")
    follows = _delivery("follows")
    meetings = _delivery("meetings")
    baton = _delivery("baton")
    announcements = _delivery("announcements")
    mail_text = RadioField(
        _l("Det som skrivs i forumet"),
        choices=_choices(MAIL_TEXT_CHOICES),
        validators=[InputRequired(CHOOSE)],
    )

    def values(self) -> dict[str, str]:
        return {name: self[name].data for name in ("digest_frequency", *TOPICS, "mail_text")}
