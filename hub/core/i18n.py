"""Locale and time zone choice, and Stockholm-time helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, request, session
from flask_login import current_user

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale") if request else None
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def to_stockholm(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def from_stockholm(local: datetime) -> datetime:
    """A naive wall-clock time in Stockholm as an aware UTC datetime."""
    return local.replace(tzinfo=STOCKHOLM).astimezone(UTC)
