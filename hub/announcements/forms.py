"""The announcement form; the length and emptiness rules live in ``sending.check_body``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField


class AnnouncementForm(FlaskForm):
    body = TextAreaField(_l("Meddelande"))
