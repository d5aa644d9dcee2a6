"""vCard and CSV exports that show only what the viewer may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _

from hub.auth.models import User
from hub.directory.privacy import PersonView, see_person

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_vcard(value: str) -> str:
    """RFC 6350 text escaping: backslash, comma, semicolon and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold_line(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space, never splitting a character."""
    parts: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
            limit = 74  # the leading space of a continuation counts
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)


def make_vcard(person: User, view: PersonView) -> str:
    """A vCard 4.0 of the person with only the fields the viewer may see."""
    given, _, family = person.name.rpartition(" ")
    if not given:
        given, family = family, ""
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"FN:{escape_vcard(person.name)}",
        f"N:{escape_vcard(family)};{escape_vcard(given)};;;",
    ]
    organisation = [person.municipality.name if person.municipality else ""]
    if person.unit:
        organisation.append(person.unit.name)
    if organisation[0]:
        lines.append("ORG:" + ";".join(escape_vcard(part) for part in organisation))
    if person.title:
        lines.append(f"TITLE:{escape_vcard(person.title)}")
    if view.email:
        lines.append(f"EMAIL;TYPE=work:{escape_vcard(view.email)}")
    if view.phone:
        lines.append(f"TEL;VALUE=text;TYPE=work,voice:{escape_vcard(view.phone)}")
    lines.append("END:VCARD")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def safe_cell(value: str | None) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading ' stops that."""
    text = value or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_header() -> list[str]:
    return [
        _("Namn"),
        _("Titel"),
        _("Roll"),
        _("Kommun"),
        _("Del av kommunen"),
        _("Arbetsplats"),
        _("E-post"),
        _("Telefon"),
    ]


def members_csv(viewer: User, people: Iterable[User]) -> str:
    """Semicolon-separated with a BOM, which is what Excel with Swedish settings opens as is."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_header())
    for person in people:
        view = see_person(viewer, person)
        writer.writerow(
            safe_cell(cell)
            for cell in (
                person.name,
                person.title,
                person.role_type.name if person.role_type else "",
                person.municipality.name if person.municipality else "",
                person.unit.name if person.unit else "",
                person.profile.workplace if person.profile else "",
                view.email,
                view.phone,
            )
        )
    return "\ufeff" + out.getvalue()
