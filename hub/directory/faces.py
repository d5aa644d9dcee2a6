"""How a person looks in a list: their photo or initials, and the line under their name.

Plain functions, used by templates as globals (``directory/_macros.html`` exports them under the
names its macros had): the question page shows a face per answer and the directory one per
person, and a Jinja macro call with its nested ``initials`` and ``url_for`` cost several times
what these do (issue 17). The HTML is the macros' HTML to the byte (tests/directory/test_faces.py).

A person is a ``User`` with its profile (and role type) loaded, or a ``PersonRow`` of the
directory's list, which carries its photo version and role name itself.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from hub.core.i18n import translated
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
