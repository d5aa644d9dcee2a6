"""How a person looks in a list: their photo or initials, and the line under their name.

Plain functions, used by templates as globals (``directory/_macros.html`` exports them under the
names its macros had): the question page shows a face per answer and the directory one per
person, and a Jinja macro call with its nested ``initials`` and ``url_for`` cost several times
what these do (issue 17). The HTML is the macros' HTML to the byte (tests/directory/test_faces.py).

A person is a ``User`` with its profile (and role type) loaded, or a ``PersonRow`` of the
directory's list, which carries its photo version and role name itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import request
from markupsafe import Markup, escape

from hub.core.i18n import current_locale, fast_gettext, translated
from hub.core.templating import cached_url_for


def initials(name: str) -> str:
    """``Anna b. Öst`` → ``AÖ``: the first letters of the first and the last name."""
    parts = name.split()
    return "".join(part[:1].upper() for part in parts[:1] + parts[1:][-1:])


def photo_version(person: Any) -> int:
    """The person's photo version, 0 when there is no photo."""
    version = getattr(person, "photo_version", None)
    if version is not None:  # a PersonRow
        return version
    profile = person.profile
    return profile.photo_version if profile and profile.has_photo else 0


def avatar(person: Any, size: str = "small") -> Markup:
    """The photo, or the initials in a circle. The name is always next to it, so alt is empty."""
    version = photo_version(person)
    if version:
        pixels = 128 if size == "large" else 48
        src = cached_url_for("directory.photo", user_id=person.id, v=version)
        return Markup(  # noqa: S704  (every value escaped or a number)
            f'<img class="avatar avatar-{escape(size)}" src="{escape(src)}" alt="" '
            f'width="{pixels}" height="{pixels}">\n'
        )
    return Markup(  # noqa: S704  (every value escaped)
        f'<span class="avatar avatar-{escape(size)} avatar-initials" aria-hidden="true">'
        f"{escape(initials(person.name))}</span>\n"
    )


def role_name(person: Any) -> str:
    name = getattr(person, "role_name", None)
    if name is not None:  # a PersonRow
        return name
    return person.role_type.name if person.role_type else ""


def role_line(person: Any) -> Markup:
    """The title the person wrote, or else their role in the reader's language."""
    role = role_name(person)
    if person.title and person.title.lower() != role.lower():
        return Markup('<span class="user-content">%s</span>') % person.title
    return escape(translated(role))


def person_list(people: Sequence[Any], pending_changes: Mapping[int, Any] | None = None) -> Markup:
    """The directory's list of people (its rows, ``listing.PersonRow``): the HTML the
    ``person_list`` macro wrote (tests/directory/test_faces.py), at a third of its cost. A page
    of twenty rows made some 400 macro, filter and escape calls through Jinja's runtime (issue 17).

    ``pending_changes``: the waiting municipality changes the reader may decide, by person id."""
    root = escape(request.script_root)
    changes = pending_changes or {}
    locale = current_locale()
    rows = "".join(
        [
            _person_item(person, root, changes)
            if person.id in changes
            else _kept_item(person, root, locale)
            for person in people
        ]
    )
    return Markup(f'<ul class="people">\n{rows}</ul>\n')  # noqa: S704  (escaped parts)


# A person's row as written, per language and address prefix (~1 kB each), bounded: the
# directory's first pages show the same few hundred people to every member, and writing a row
# (some 15 escapes, a translation or three, the photo's address) cost 12 µs, a tenth of the page.
KEPT_ROWS = 2048
_kept_rows: dict[tuple, str] = {}


def _kept_item(person: Any, root: str, locale: object) -> str:
    """``_person_item`` of a row with no change waiting, kept by everything its HTML shows."""
    key = (
        locale,
        root,
        person.id,
        person.name,
        person.title,
        person.role_name,
        person.municipality_code,
        person.municipality_name,
        person.unit_name,
        person.workplace,
        person.photo_version,
        tuple(person.care_areas),
        tuple(person.expertise),
    )
    found = _kept_rows.get(key)
    if found is None:
        if len(_kept_rows) >= KEPT_ROWS:
            _kept_rows.clear()
        found = _kept_rows[key] = _person_item(person, root, {})
    return found


def _person_item(person: Any, root: str, pending_changes: Mapping[int, Any]) -> str:
    place = ""
    if person.municipality_code:
        code, name = escape(person.municipality_code), escape(person.municipality_name)
        place = f' · <a href="{root}/kommun/{code}">{name}</a>'
    if person.unit_name:
        place += f" ({escape(person.unit_name)})"
    if person.workplace:
        place += f" · {escape(person.workplace)}"
    change = pending_changes.get(person.id)
    waiting = _pending_change(change) if change is not None else ""
    tags = ""
    if person.care_areas or person.expertise:
        span = '<span class="tag tag-area">'
        areas = "".join([f"{span}{escape(translated(area))}</span> " for area in person.care_areas])
        links = "".join(
            [
                f'<a class="tag" href="{root}/katalog?tagg={escape(slug)}">{escape(name)}</a> '
                for slug, name in person.expertise
            ]
        )
        tags = f'      <p class="tags">\n{areas}{links}      </p>\n'
    return (
        f'  <li class="person-row">\n    {avatar(person)}\n    <div>\n'
        f'      <h3 class="person-name"><a href="{root}/katalog/{person.id}">'
        f"{escape(person.name)}</a></h3>\n"
        f'      <p class="muted">\n        {role_line(person)}{place}\n      </p>\n'
        f"{waiting}{tags}    </div>\n  </li>\n"
    )


def _pending_change(change: Any) -> str:
    wants = Markup(fast_gettext("Vill byta till %(name)s och väntar på godkännande.")) % {  # noqa: S704  (our catalogue)
        "name": change.to_municipality.name
    }
    decide = escape(cached_url_for("directory.municipality_changes"))
    return (
        f'      <p class="pending-change">{wants} <a href="{decide}">'
        f"{escape(fast_gettext('Godkänn eller neka'))}</a></p>\n"
    )
