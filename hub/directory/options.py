"""The directory filter form's options, written once per language, choices and selected value.

Every directory page lists every region, municipality, role and care area in its filter form:
some 45 options, each a loop step, a test, two escapes and for most a translation in Jinja, on
every render (issue 17). Written here from the rows ``listing.load_filter_options`` read (so an
admin's new municipality shows at once), and kept per process: the HTML depends on nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup, escape

from hub.core.i18n import current_locale, translated

# Per process, bounded: a key per language, list and selected value (a few kB each).
CACHE_SIZE = 512


def option_tags(choices: Sequence[tuple], selected: str, translate: bool = False) -> Markup:
    """``<option value="…"[ selected]>…</option>`` for each choice, its value and name first
    (``Choice``, ``MunicipalityChoice``, ``SlugChoice``); names through the catalogue when
    ``translate`` (reference data stored in Swedish)."""
    return _written(current_locale() if translate else None, tuple(choices), selected, translate)


@lru_cache(maxsize=CACHE_SIZE)
def _written(locale: object, choices: tuple, selected: str, translate: bool) -> Markup:
    """``locale`` keys the kept HTML only: ``translated`` reads the request's own."""
    tags = []
    for value, name, *_rest in choices:
        shown = translated(name) if translate else name
        chosen = " selected" if value == selected else ""
        tags.append(f'<option value="{escape(value)}"{chosen}>{escape(shown)}</option>')
    return Markup("".join(tags))  # noqa: S704  (every value escaped)
