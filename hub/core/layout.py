"""Parts of the layout that every page repeats, rendered once per process and reused.

The frame of every page (base.html: the head, the header and the footer) costs more than many a
page's own content (a few dozen translations, URLs and tests per render), yet it depends only
on a few facts: the language, the page (``aria-current``), whether someone is signed in and
what their role lets them do. A shared part is rendered once for each set of those facts; what
is the reader's own (the CSRF token, the unread count, the address to come back to, the page's
own content) goes into holes, filled per request.

A shared part sees only the facts it is given and the template globals: not ``current_user``,
``request``, ``session`` nor ``g``, and the globals that are per request refuse to run there.
So nothing of one member can be stored in a part another member is shown; a part that needs a
new per-request value takes it as a hole.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence

from flask import current_app, request
from markupsafe import Markup, escape

from hub.core.i18n import current_locale

MAX_PARTS = 4096  # a page per endpoint, language and role: far fewer in practice
_HOLE = re.compile("\ue000(\\w+)\ue001")  # private-use characters: never in our own text
SEPARATOR = "\ue002"  # between the parts of one render (``shared_parts``)
# Template globals whose value is the request's own: a shared part must take it as a hole.
PER_REQUEST_GLOBALS = (
    "csrf_token",
    "csp_nonce",
    "unread_notification_count",
    "get_flashed_messages",
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
    write: Callable[[Mapping[str, Hashable], Mapping[str, Markup]], str] | None = None,
) -> Markup:
    """The template ``name`` rendered with ``facts`` (kept per facts, language and script root),
    with each ``{{ hole }}`` it names filled, escaped, from ``holes``. Each ``store`` keeps at
    most ``limit`` parts (``MAX_PARTS``), the least recently used going first. ``write``, if
    given, makes the part instead of the template, from the facts and each hole's marker."""
    kept = _store(store)
    key = _key(name, facts, holes)
    pieces = kept.get(key)
    if pieces is None:
        if write is not None:
            html = write(facts, _markers(holes))
        else:
            html = current_app.jinja_env.get_template(name).render(_context(holes) | dict(facts))
        pieces = tuple(_HOLE.split(html))
    _keep(kept, key, pieces, limit)
    return _fill(pieces, _escaped(holes))


def shared_parts(
    name: str,
    many: Sequence[Mapping[str, Hashable]],
    holes: Mapping[str, str],
    *,
    store: str = "hub_shared_parts",
    limit: int | None = None,
    write: Callable[[list[Mapping[str, Hashable]], Mapping[str, Markup]], list[str]] | None = None,
) -> list[Markup]:
    """``shared_part`` for many parts of one kind: those not kept yet are made in one render of
    ``name``, which is given their facts as ``parts`` and writes each followed by ``separator``
    (one render instead of one each: a render's own cost is a page's worth of parts). ``write``,
    if given, makes them instead of the template, from their facts and each hole's marker
    (what ``name`` writes, written in Python: it sees no more than the template would)."""
    kept = _store(store)
    keys = _keys(name, many, holes)
    found = [kept.get(key) for key in keys]
    missing = [i for i, pieces in enumerate(found) if pieces is None]
    if missing:
        texts = _made(name, [many[i] for i in missing], holes, write)
        for i, text in zip(missing, texts, strict=True):
            found[i] = tuple(_HOLE.split(text))
    for key, pieces in zip(keys, found, strict=True):
        _keep(kept, key, pieces, limit)
    escaped = _escaped(holes)
    return [_fill(pieces, escaped) for pieces in found]


def _made(name: str, parts: list, holes: Mapping[str, str], write: Callable | None) -> list[str]:
    if write is not None:
        return write(parts, _markers(holes))
    separator = Markup(SEPARATOR)  # noqa: S704  (a private-use character)
    context = _context(holes) | {"parts": parts, "separator": separator}
    texts = current_app.jinja_env.get_template(name).render(context).split(SEPARATOR)
    if len(texts) != len(parts) + 1:
        raise ValueError(f"{name} must write each part followed by the separator")
    return texts[:-1]


def _store(store: str) -> OrderedDict:
    kept = current_app.extensions.get(store)
    if kept is None:
        kept = current_app.extensions[store] = OrderedDict()
    return kept


class _Key:
    """A part's key: its template, language, script root, facts and hole names. Its hash is
    worked out once (the facts are nested values, hashed in Python)."""

    __slots__ = ("_hash", "values")

    def __init__(self, values: tuple) -> None:
        self.values = values
        self._hash = hash(values)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self._hash == other._hash and self.values == other.values


def _key(name: str, facts: Mapping[str, Hashable], holes: Mapping[str, str]) -> _Key:
    return _keys(name, [facts], holes)[0]


def _keys(name: str, many: Sequence[Mapping[str, Hashable]], holes: Mapping[str, str]) -> list:
    """The keys of many parts of one kind: the language, the script root and the hole names
    looked up once, not once a part (a meetings page has ~20 parts)."""
    where, hole_names = (name, current_locale(), request.script_root), tuple(holes)
    # In the caller's order, not sorted: a part's facts are given in one place, so the same
    # facts come in the same order (in another order they would only make a second part).
    return [_Key((*where, tuple(facts.items()), *hole_names)) for facts in many]


def _keep(kept: OrderedDict, key: _Key, pieces: tuple, limit: int | None) -> None:
    """Kept, or marked as just used; the least recently used goes when the store is full."""
    try:
        kept.move_to_end(key)
    except KeyError:
        while len(kept) >= (limit or MAX_PARTS):
            kept.popitem(last=False)
        kept[key] = pieces


def _escaped(holes: Mapping[str, str]) -> dict[str, str]:
    """Each hole's value escaped; one that is ``Markup`` already as it is (``escape`` would make
    a copy of it: a page's content is a hole of its frame)."""
    return {
        hole: value if type(value) is Markup else escape(value) for hole, value in holes.items()
    }


def _fill(pieces: tuple, escaped: Mapping[str, str]) -> Markup:
    """The pieces (text, hole name, text, … , text) with each hole's escaped value."""
    filled = list(pieces)
    filled[1::2] = [escaped[name] for name in pieces[1::2]]
    return Markup("".join(filled))  # noqa: S704  (our template's output, holes escaped)


def _context(holes: Mapping[str, str]) -> dict:
    """What a shared part sees besides its facts: refusals for the per-request values, and a
    marker for each hole."""
    context = {global_name: _refuse(global_name) for global_name in PER_REQUEST_GLOBALS}
    context.update({name: _Refused(name) for name in PER_REQUEST_OBJECTS})
    context.update(_markers(holes))
    return context


def _markers(holes: Mapping[str, str]) -> dict[str, Markup]:
    """Each hole's marker, which ``_fill`` finds and fills per request."""
    return {hole: Markup(f"\ue000{hole}\ue001") for hole in holes}  # noqa: S704


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
