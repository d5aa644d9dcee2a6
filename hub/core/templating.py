"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_timedelta, get_locale
from flask_babel import gettext as _

from hub.core.db import utcnow
from hub.core.i18n import N_, translated


def register(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["main_menu"] = main_menu
    app.jinja_env.globals["get_locale"] = get_locale

    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None, format: str = "d MMMM yyyy 'kl.' HH:mm") -> str:
        """The pattern is Swedish; the catalogue holds each language's own ("kl." is Swedish)."""
        return format_datetime(value, _(format)) if value else ""

    app.template_filter("translated")(translated)

    @app.template_filter("iso")
    def iso_filter(value: datetime | None) -> str:
        """For <time datetime>: HTML allows at most three digits of a second's fraction."""
        return value.isoformat(timespec="seconds") if value else ""

    @app.template_filter("ago")
    def ago_filter(value: datetime | None) -> str:
        """How long since, "för 3 timmar sedan" / "3 hours ago", in the page's language."""
        if value is None:
            return ""
        delta = value - utcnow()
        if abs(delta.total_seconds()) < 60:
            return _("nyss")
        return format_timedelta(delta, add_direction=True)

    @app.template_filter("date")
    def date_filter(value: datetime | None, format: str = "d MMMM yyyy") -> str:
        return format_date(value, format) if value else ""


# The date and time patterns the templates use, for the catalogue: English says "at", not "kl.".
DATETIME_PATTERNS = (
    N_("d MMMM yyyy 'kl.' HH:mm"),
    N_("EEEE d MMMM yyyy 'kl.' HH:mm"),
    N_("EEEE d MMMM 'kl.' HH:mm"),
)


def main_menu() -> list[tuple[str, str]]:
    """The top navigation: endpoint and label."""
    from flask_babel import gettext as _

    return [
        ("site.start", _("Start")),
        ("forum.questions", _("Frågor")),
        ("directory.index", _("Katalog")),
        ("meetings.index", _("Träffar")),
        ("meetings.networks", _("Nätverk")),
        ("material.index", _("Material")),
    ]
