"""The search page's list of hits and its sections (meetings, topic suggestions, people), written
in Python (issue 17), as ``hub.forum.articles`` writes a question's answers.

Through ``search/results.html`` a hit cost a few dozen Jinja operations (attribute look-ups, tests,
escapes, a URL per meeting, filters) and a section a macro call: about a tenth of a search's
render for twenty hits and three sections. Here a hit is one f-string with its words made once
per language. The HTML is the template's to the byte: tests/search/test_search_html.py renders
the template's old loop and macro for every kind of hit and section and compares.

Escaping is the template's: what a member wrote (titles, names, job titles) is escaped here; the
hits' titles, snippets and contexts are Markup already (``hub.forum.search.highlight``,
``snippet``); our catalogue's words are not escaped, as the template's ``_()`` leaves them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from flask import request
from markupsafe import Markup, escape

from hub.core.i18n import catalogue, current_locale
from hub.core.templating import cached_url_for, date_filter, iso_filter
from hub.forum.search_items import Section


@dataclass(frozen=True, slots=True)
class Words:
    """The page's words in one language, as the template's ``_()`` gives them."""

    in_answer: str
    in_question: str
    headings: Mapping[str, str]
    nothing: Mapping[str, str]
    show_all: Mapping[str, str]  # "Visa alla %(n)s …"
    suggestion_for: str  # "Förslag till %(meeting)s"


@lru_cache(maxsize=8)
def words(locale: Locale | None) -> Words:
    """``locale`` is the request's: the catalogue read is the one it selects."""
    _ = catalogue().ugettext
    return Words(
        in_answer=_("Träff i ett svar"),
        in_question=_("Träff i frågan"),
        headings={"traffar": _("Träffar"), "forslag": _("Ämnesförslag"), "personer": _("Personer")},
        nothing={
            "traffar": _("Inga träffar handlar om det."),
            "forslag": _("Inga ämnesförslag handlar om det."),
            "personer": _("Ingen person heter så eller kan det."),
        },
        show_all={
            "traffar": _("Visa alla %(n)s träffar"),
            "forslag": _("Visa alla %(n)s ämnesförslag"),
            "personer": _("Visa alla %(n)s personer"),
        },
        suggestion_for=_("Förslag till %(meeting)s"),
    )


def write_hits(hits: Sequence) -> Markup:
    """The posts' hits, ``<ol class="search-results">`` (``SearchHit``s)."""
    w, root = words(current_locale()), escape(request.script_root)
    out = ['<ol class="search-results">\n']
    for hit in hits:
        answer_id = hit.answer_id
        anchor = f"#svar-{answer_id}" if answer_id else ""
        hint = w.in_question if answer_id is None else w.in_answer
        out.append(
            f'      <li>\n        <h3><a href="{root}/fragor/{hit.question_id}{anchor}">'
            f'{hit.title_html}</a></h3>\n        <p class="hint">{hint}</p>\n'
            f'        <p class="snippet">{hit.snippet_html}</p>\n      </li>\n'
        )
    out.append("    </ol>")
    return Markup("".join(out))  # noqa: S704  (escaped parts)


def write_section(name: str, section: Section, args: Mapping[str, str] | None = None) -> Markup:
    """One section (``name`` one of ``search_views.SECTIONS``), with a link to all its hits
    when there are more than shown and ``args`` (the search's) are given."""
    w = words(current_locale())
    heading = f'<h2 id="{name}-heading">{w.headings[name]}</h2>'
    out = [f'<section class="search-section" aria-labelledby="{name}-heading">\n{heading}']
    out.append("" if name == "personer" else "\n")
    if not section.hits:
        out.append(f"  <p>{w.nothing[name]}</p>\n</section>\n")
        return Markup("".join(out))  # noqa: S704  (our own words)
    out.append('  <ul class="search-section-list">\n')
    write = {"personer": _person, "traffar": _meeting}.get(name, _topic)
    out += (write(hit, w) for hit in section.hits)
    out.append("  </ul>\n")
    if args is not None and section.total > len(section.hits):
        href = escape(cached_url_for("search.results", **{"del": name}, **args))
        out.append(f'  <p><a href="{href}">{w.show_all[name] % {"n": section.total}}</a></p>\n')
    out.append("</section>\n")
    return Markup("".join(out))  # noqa: S704  (escaped parts)


def _person(hit, _w: Words) -> str:
    title = f'<br><span class="hint user-content">{escape(hit.title)}</span>' if hit.title else ""
    href = f"{escape(request.script_root)}/katalog/{hit.id}"
    return f'    <li><a href="{href}">{escape(hit.name)}</a>{title}</li>\n'


def _meeting(hit, _w: Words) -> str:
    href = escape(cached_url_for("meetings.meeting", meeting_id=hit.meeting_id))
    when = hit.starts_at
    snippet = f'<br><span class="snippet">{hit.context_html}</span>' if hit.context_html else ""
    return (
        f'    <li><a href="{href}">{hit.title_html}</a><br><span class="hint">'
        f'<time datetime="{escape(iso_filter(when))}">{escape(date_filter(when))}</time></span>'
        f"{snippet}</li>\n"
    )


def _topic(hit, w: Words) -> str:
    href = escape(cached_url_for("meetings.meeting", meeting_id=hit.meeting_id))
    hint = Markup(w.suggestion_for) % {"meeting": hit.context_html}  # noqa: S704  (our words)
    return (
        f'    <li><a href="{href}#amnen">{hit.title_html}</a><br>'
        f'<span class="hint">{hint}</span></li>\n'
    )
