"""Municipalities' official names, as in SCB's list: "Laholms kommun", "Hylte kommun",
"Stockholms stad". The short name ("Laholm") stays the key people search and sort by."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

# The municipalities that call themselves "stad" (SCB's list); every other one is a "kommun".
CITIES = frozenset({"0180", "0183", "0184", "0186", "0187"})

VOWELS = "aeiouyåäö"


def genitive(name: str) -> str:
    """Laholm → Laholms; Hylte, Täby and Höganäs stay as they are (SCB writes "Hylte kommun")."""
    return name if not name or name[-1].lower() in VOWELS + "sxz" else name + "s"


def official_name(code: str | None, name: str) -> str:
    """The name people read on letters from the municipality, in the page's language."""
    locale = get_locale()
    if locale is None or locale.language == "sv":
        # Swedish grammar (the genitive) is not a translation: it is built here.
        return f"{genitive(name)} {'stad' if code in CITIES else 'kommun'}"
    # Other languages: "City of Stockholm", "Laholm Municipality".
    return _("Staden %(name)s", name=name) if code in CITIES else _("Kommunen %(name)s", name=name)
