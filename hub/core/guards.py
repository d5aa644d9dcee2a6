"""One guard for numbers and text that come in through URLs and forms.

Numbers: only ASCII digits (``str.isdigit`` also takes "²", which ``int`` refuses) and only
within the range of the columns they are compared with (PostgreSQL ``integer`` ids stop at
2³¹−1; SQLite's at 2⁶³−1), so a long number is "not found", never an overflow in SQL.
Text: single-line fields (titles, names, places) refuse control characters, which would
otherwise break mail headers, calendar lines and HTTP headers.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from werkzeug.routing import BaseConverter, ValidationError
from wtforms import IntegerField
from wtforms import ValidationError as FieldError

# The largest id any table has: PostgreSQL's ``integer``.
MAX_ID = 2**31 - 1

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same without tab and the line breaks a text area sends (CR LF): what longer text refuses.
INVISIBLE_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
LINE_BREAK_MESSAGE = _l("Skriv texten på en rad, utan radbrytningar eller tabbar.")
INVISIBLE_MESSAGE = _l(
    "Texten har ett osynligt tecken som inte går att spara. "
    "Skriv om texten, eller klistra in den utan formatering."
)


def ascii_int(raw: object, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """The number if ``raw`` is ASCII digits within ``low``..``high``, else None."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or len(text) > len(str(high)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


class IdConverter(BaseConverter):
    """``<int:…>`` in routes: ASCII digits within the id columns' range, else 404."""

    regex = r"[0-9]{1,19}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = ascii_int(value, low=0)
        if number is None:
            raise ValidationError
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


def has_control_characters(text: str | None) -> bool:
    return bool(text) and CONTROL_CHARACTERS.search(text) is not None


class SingleLine:
    """WTForms validator: one line of text, without control characters."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and has_control_characters(field.data):
            if self.message:
                raise FieldError(self.message)
            invisible = INVISIBLE_CHARACTERS.search(field.data) is not None
            raise FieldError(INVISIBLE_MESSAGE if invisible else LINE_BREAK_MESSAGE)


class NoInvisibleCharacters:
    """WTForms validator for longer text: line breaks and tabs are welcome, other control
    characters (pasted from other programs, never typed) are refused rather than silently
    dropped, so the member sees why and keeps their text."""

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and INVISIBLE_CHARACTERS.search(field.data):
            raise FieldError(INVISIBLE_MESSAGE)


def local_path(target: str | None) -> str | None:
    """A path on this site to go on to after a form (``next``), or None.

    Checked and returned in one form: what the browser would follow is what was checked.
    """
    if not target or has_control_characters(target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


class BoundedIntegerField(IntegerField):
    """An IntegerField that refuses numbers beyond what an ``integer`` column holds."""

    def process_formdata(self, valuelist: list) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not -MAX_ID <= self.data <= MAX_ID:
            self.data = None
            raise ValueError(_l("Talet är för stort."))
