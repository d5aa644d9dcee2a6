"""Normalised forms of names and tags, so that search and sorting ignore case and spacing."""

from __future__ import annotations

import re
import unicodedata

NAME_KEY_LENGTH = 120
TAG_SLUG_LENGTH = 60


def normalise_name(name: str | None) -> str:
    """The sort and search key of a person's name: NFC, case-folded, single spaces."""
    folded = unicodedata.normalize("NFC", name or "").casefold()
    return " ".join(folded.split())[:NAME_KEY_LENGTH]


def slugify(text: str) -> str:
    """``Digitala lås`` → ``digitala-las``: ASCII, lowercase, hyphens."""
    lowered = unicodedata.normalize("NFC", text).casefold()
    ascii_text = lowered.translate(str.maketrans("åäöæøüé", "aaoaoue"))
    ascii_text = unicodedata.normalize("NFKD", ascii_text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:TAG_SLUG_LENGTH].strip("-")
