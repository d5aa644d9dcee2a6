"""Parts of the layout that every page repeats, rendered once per process and reused.

The header and the footer of base.html cost more than many a page's own content (a few dozen
translations, URLs and tests per render), yet they depend only on a few facts: the language,
the page (``aria-current``), whether someone is signed in and what their role lets them do. A
shared part is rendered once for each set of those facts; what is the reader's own (the CSRF
token, the unread count, the address to come back to) goes into holes, filled per request.

A shared part sees only the facts it is given and the template globals: not ``current_user``,
``request``, ``session`` nor ``g``, and the globals that are per request refuse to run there.
So nothing of one member can be stored in a part another member is shown; a part that needs a
new per-request value takes it as a hole.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable, Mapping

from flask import current_app, request
from markupsafe import Markup, escape

from hub.core.i18n import current_locale

MAX_PARTS = 4096  # a page per endpoint, language and role: far fewer in practice
_HOLE = re.compile("\ue000(\\w+)\ue001")  # private-use characters: never in our own text
# Template globals whose value is the request's own: a shared part must take it as a hole.
PER_REQUEST_GLOBALS = (
    "csrf_token",
    "csp_nonce",
    "unread_notification_count",
    "get_flashed_messages",
    "language_return_path",
    "csrf_meta_tag",
)
# Flask's and Flask-Login's per-request objects: refused on any use in a shared part.
PER_REQUEST_OBJECTS = ("request", "session", "g", "current_user")


class PerRequestValue(RuntimeError):
    """A shared part asked for a value that is the request's own."""


def shared_part(
    name: str,
    facts: Mapping[str, Hashable],
    holes: Mapping[str, str],
    *,
    store: str = "hub_shared_parts",
    limit: int | None = None,
) -> Markup:
    """The template ``name`` rendered with ``facts`` (kept per facts, language and script root),
    with each ``{{ hole }}`` it names filled, escaped, from ``holes``. Each ``store`` keeps at
    most ``limit`` parts (``MAX_PARTS``), the least recently used going first."""
    parts = current_app.extensions.get(store)
    if parts is None:
        parts = current_app.extensions[store] = OrderedDict()
    key = (name, current_locale(), request.script_root, *sorted(facts.items()), *sorted(holes))
    pieces = parts.get(key)
    if pieces is None:
        while len(parts) >= (limit or MAX_PARTS):
            parts.popitem(last=False)
        pieces = parts[key] = _render_with_holes(name, facts, holes)
    else:
        parts.move_to_end(key)
    filled = [piece if i % 2 == 0 else str(escape(holes[piece])) for i, piece in enumerate(pieces)]
    return Markup("".join(filled))  # noqa: S704  (our template's output, holes escaped)


def _render_with_holes(name: str, facts: Mapping[str, Hashable], holes: Mapping[str, str]):
    """The rendered text split at its holes: text, hole name, text, … , text."""
    context = {global_name: _refuse(global_name) for global_name in PER_REQUEST_GLOBALS}
    context.update({name: _Refused(name) for name in PER_REQUEST_OBJECTS})
    context.update(facts)
    context.update({hole: Markup(f"\ue000{hole}\ue001") for hole in holes})  # noqa: S704
    html = current_app.jinja_env.get_template(name).render(context)
    return tuple(_HOLE.split(html))


class _Refused:
    """Stands in for ``request``, ``session``, ``g`` and ``current_user``: any use raises."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        raise PerRequestValue(f"{self._name}.{attribute} in a shared part: pass it as a fact")

    def __getitem__(self, key):
        raise PerRequestValue(f"{self._name}[...] in a shared part: pass it as a fact")

    def __str__(self) -> str:
        raise PerRequestValue(f"{self._name} in a shared part: pass it as a fact")

    __html__ = __bool__ = __iter__ = __str__


def _refuse(global_name: str):
    def refused(*_args, **_kwargs):
        raise PerRequestValue(f"{global_name}() in a shared part: pass its value as a hole")

    return refused
