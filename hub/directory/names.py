"""Normalised forms of names and tags, so that search and sorting ignore case and spacing."""

from __future__ import annotations

import re
import unicodedata

NAME_KEY_LENGTH = 120


# Control characters other than tab and newlines: PostgreSQL refuses NUL in text outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def remove_control_characters(text: str | None) -> str | None:
    """A WTForms filter: typed text without invisible control characters."""
    return _CONTROL.sub("", text) if isinstance(text, str) else text


def normalise_name(name: str | None) -> str:
    """The sort and search key of a person's name: NFC, case-folded, single spaces."""
    folded = unicodedata.normalize("NFC", remove_control_characters(name) or "").casefold()
    return " ".join(folded.split())[:NAME_KEY_LENGTH]


def surname_key(name: str | None) -> str:
    """The key of the last word of a name, so that "lindq" finds Anna Lindqvist."""
    words = normalise_name(name).split()
    return words[-1] if words else ""
