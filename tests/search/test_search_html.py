"""The search page's hits and sections written in Python (hub/forum/search_html.py) are what
search/results.html's loop and ``section_list`` macro wrote, to the byte, for every kind of hit
and section, in both languages and under a script root (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from markupsafe import Markup

from hub.forum.search import SearchHit
from hub.forum.search_html import write_hits, write_section
from hub.forum.search_items import ItemHit, Section
from hub.forum.search_views import SECTIONS

# The template's own loop and macro before they were written in Python (search/results.html).
TEMPLATE = """\
{% macro section_list(name, section, more=False) %}
<section class="search-section" aria-labelledby="{{ name }}-heading">
  {% if name == "traffar" %}<h2 id="{{ name }}-heading">{{ _("Träffar") }}</h2>
  {% elif name == "forslag" %}<h2 id="{{ name }}-heading">{{ _("Ämnesförslag") }}</h2>
  {% else %}<h2 id="{{ name }}-heading">{{ _("Personer") }}</h2>{% endif %}
  {% if not section.hits %}
  <p>{% if name == "traffar" %}{{ _("Inga träffar handlar om det.") }}{% elif name == "forslag" %}{{ _("Inga ämnesförslag handlar om det.") }}{% else %}{{ _("Ingen person heter så eller kan det.") }}{% endif %}</p>
  {% else %}
  <ul class="search-section-list">
    {% for hit in section.hits %}
    {% if name == "personer" %}
    <li><a href="{{ request.script_root }}/katalog/{{ hit.id }}">{{ hit.name }}</a>{% if hit.title %}<br><span class="hint user-content">{{ hit.title }}</span>{% endif %}</li>
    {% elif name == "traffar" %}
    <li><a href="{{ url_for('meetings.meeting', meeting_id=hit.meeting_id) }}">{{ hit.title_html }}</a><br><span class="hint"><time datetime="{{ hit.starts_at|iso }}">{{ hit.starts_at|date }}</time></span>{% if hit.context_html %}<br><span class="snippet">{{ hit.context_html }}</span>{% endif %}</li>
    {% else %}
    <li><a href="{{ url_for('meetings.meeting', meeting_id=hit.meeting_id) }}#amnen">{{ hit.title_html }}</a><br><span class="hint">{{ _("Förslag till %(meeting)s", meeting=hit.context_html) }}</span></li>
    {% endif %}
    {% endfor %}
  </ul>
  {% if more and section.total > section.hits|length %}
  <p><a href="{{ url_for('search.results', del=name, **args) }}">{% if name == "traffar" %}{{ _("Visa alla %(n)s träffar", n=section.total) }}{% elif name == "forslag" %}{{ _("Visa alla %(n)s ämnesförslag", n=section.total) }}{% else %}{{ _("Visa alla %(n)s personer", n=section.total) }}{% endif %}</a></p>
  {% endif %}
  {% endif %}
</section>
{% endmacro %}
{% if hits is defined %}
    {% set root, in_answer, in_question = request.script_root, _("Träff i ett svar"), _("Träff i frågan") %}
    <ol class="search-results">
      {% for hit in hits %}
      <li>
        <h3><a href="{{ root }}/fragor/{{ hit.question_id }}{% if hit.answer_id %}#svar-{{ hit.answer_id }}{% endif %}">{{ hit.title_html }}</a></h3>
        <p class="hint">{% if hit.answer_id is not none %}{{ in_answer }}{% else %}{{ in_question }}{% endif %}</p>
        <p class="snippet">{{ hit.snippet_html }}</p>
      </li>
      {% endfor %}
    </ol>
{%- else %}{{ section_list(name, section, more) }}{% endif %}"""  # noqa: E501

WHEN = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 2 March in Stockholm


def hits() -> list[SearchHit]:
    return [
        SearchHit(1, 7, None, "t", Markup("Var <mark>l&aring;set</mark>?"), Markup("a &amp; b")),
        SearchHit(2, 8, 31, "t", Markup("Svar &lt;b&gt;"), Markup("")),
        SearchHit(3, 1234567, 5, "t", Markup(""), Markup("<mark>möte</mark> …")),
    ]


class Person:
    def __init__(self, id_: int, name: str, title: str | None) -> None:
        self.id, self.name, self.title = id_, name, title


def sections() -> dict[str, list[Section]]:
    meetings = [
        ItemHit(3, None, WHEN, Markup("Träff <mark>i</mark> Laholm"), Markup("… agenda &amp; mer")),
        ItemHit(12, None, WHEN.replace(month=7), Markup("Sommar"), Markup("")),
    ]
    topics = [ItemHit(4, 9, WHEN, Markup("<mark>Lås</mark>"), Markup("Träff &lt;4&gt;"))]
    people = [Person(5, "Anna <Öst>", "IKT-pedagog & coach"), Person(6, "Bo", None)]
    shown = {"traffar": meetings, "forslag": topics, "personer": people}
    return {
        name: [Section(), Section(some[:1], 1), Section(some, len(some)), Section(some, 100)]
        for name, some in shown.items()
    }


@contextmanager
def request_context(app, root: str, language: str) -> Iterator[None]:
    url = f"http://localhost{root}/"
    with app.test_request_context("/sok", base_url=url), force_locale(language):
        yield


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("root", ["", "/hub"])
def test_the_hits_are_the_templates(app, language, root):
    template = app.jinja_env.from_string(TEMPLATE)
    with request_context(app, root, language):
        for shown in ([], hits()[:1], hits()):
            assert write_hits(shown) == template.render(hits=shown).strip()
        assert f'<a href="{root}/fragor/8#svar-31">' in write_hits(hits())


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("root", ["", "/hub"])
def test_the_sections_are_the_templates(app, language, root):
    template = app.jinja_env.from_string(TEMPLATE)
    with request_context(app, root, language):
        for name in SECTIONS:
            for section in sections()[name]:
                for args in (None, {"q": "lås & <möte>"}, {"q": "x", "kategori": "2"}):
                    more = args is not None
                    expected = template.render(name=name, section=section, more=more, args=args)
                    assert write_section(name, section, args) == expected
        assert f'href="{root}/traffar/3"' in write_section("traffar", sections()["traffar"][1])
