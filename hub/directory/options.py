"""The directory filter form's options, written once per language, choices and selected value.

Every directory page lists every region, municipality, role and care area in its filter form:
some 45 options, each a loop step, a test, two escapes and for most a translation in Jinja, on
every render (issue 17). Written here from the rows ``listing.load_filter_options`` read (so an
admin's new municipality shows at once), and kept per process: the HTML depends on nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from hub.core.i18n import current_locale, translated

# Per process, bounded: a key per language, list and selected value (a few kB each).
CACHE_SIZE = 512
_written: dict[tuple, Markup] = {}


def option_tags(choices: Sequence[tuple], selected: str, translate: bool = False) -> Markup:
    """``<option value="…"[ selected]>…</option>`` for each choice, its value and name first
    (``Choice``, ``MunicipalityChoice``, ``SlugChoice``); names through the catalogue when
    ``translate`` (reference data stored in Swedish)."""
    key = (current_locale() if translate else None, tuple(choices), selected)
    found = _written.get(key)
    if found is None:
        if len(_written) >= CACHE_SIZE:
            _written.clear()
        found = _written[key] = _options(choices, selected, translate)
    return found


def _options(choices: Sequence[tuple], selected: str, translate: bool) -> Markup:
    tags = []
    for value, name, *_rest in choices:
        shown = translated(name) if translate else name
        chosen = " selected" if value == selected else ""
        tags.append(f'<option value="{escape(value)}"{chosen}>{escape(shown)}</option>')
    return Markup("".join(tags))  # noqa: S704  (every value escaped)
