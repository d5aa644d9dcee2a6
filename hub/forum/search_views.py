"""Search pages: ``/sok`` (questions, answers and people) and similar questions for the ask form."""

from __future__ import annotations

import math
import re
from typing import TypeVar

from flask import Blueprint, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import Select

from hub.core.i18n import current_locale, translated
from hub.core.models import Tag
from hub.core.pagination import page_number
from hub.extensions import db
from hub.forum.models import Category
from hub.forum.search import COUNT_CAP, MAX_QUERY_LENGTH, search, similar_questions
from hub.forum.search_items import Section, search_meetings, search_people, search_topics
from hub.forum.summary import answer_facts

bp = Blueprint("search", __name__)
T = TypeVar("T")

PER_PAGE = 20
# Beside the posts, the first few of each kind; ``del=<kind>`` shows one kind in full.
SECTION_SIZE, FULL_SECTION_SIZE = 5, 50
SECTIONS = ("traffar", "forslag", "personer")
# Control characters (NUL above all) are never part of a real query and PostgreSQL refuses them.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str | None) -> str:
    return CONTROL_RE.sub("", value or "").strip()


class QuickSelect(Select):
    """WTForms' select, each plain option written by one f-string: the same HTML as WTForms'
    ``html_params`` (attributes sorted: class, selected, value) at a fraction of its cost. The
    search page renders an option per tag on every search.

    A field whose form set ``render_key`` (``SearchForm.fill_choices``: the language and the
    rows its choices were made of) is drawn once per key, selected value and attributes, and
    then reused: everything the HTML depends on is in the key, and nothing of the reader."""

    def __call__(self, field, **kwargs) -> Markup:
        key = getattr(field, "render_key", None)
        if key is None:
            return super().__call__(field, **kwargs)
        try:
            key = (key, field.name, field.data, tuple(sorted(kwargs.items())))
            found = _selects.get(key)
        except TypeError:  # an unhashable attribute value
            return super().__call__(field, **kwargs)
        if found is None:
            found = remember(_selects, key, super().__call__(field, **kwargs))
        return found

    @classmethod
    def render_option(cls, choice: Choice, **kwargs) -> Markup:
        extra = choice.render_kw or {}
        if kwargs or extra.keys() - {"class"} or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        css = f'class="{escape(extra["class"])}" ' if extra else ""
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {css}{selected}value="{escape(choice.value)}">{label}</option>')  # noqa: S704  (escaped)


# Per process, bounded: the choices made of a language and the rows of categories and tags, and
# the selects drawn from them (a tag list per language is a few kB).
CACHE_SIZE = 256
_choices: dict[tuple, tuple[list[SelectChoice], list[SelectChoice]]] = {}
_selects: dict[tuple, Markup] = {}


def remember(cache: dict, key: tuple, value: T) -> T:
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = StringField(
        _l("Sök efter"),
        id="sok-q",  # the header's search box is "q"-free: ids stay unique on this page
        filters=[clean],
        validators=[
            Length(max=MAX_QUERY_LENGTH, message=_l("Skriv högst %(max)d tecken.")),
        ],
    )
    kategori = SelectField(
        _l("Kategori"), coerce=str, validators=[Optional()], widget=QuickSelect()
    )
    tagg = SelectField(_l("Ämnesord"), coerce=str, validators=[Optional()], widget=QuickSelect())
    besvarad = RadioField(
        _l("Besvarade eller inte"),
        choices=[
            SelectChoice("", _l("Alla")),
            SelectChoice("ja", _l("Besvarade")),
            SelectChoice("nej", _l("Obesvarade")),
        ],
        default="",
        validators=[Optional()],
    )

    def fill_choices(self) -> None:
        """The categories and tags to choose from, read on every search (an admin may have
        added one a moment ago); the choices and their HTML are made once per language and
        rows. ``tags`` (id, slug, name) also serve the search for people's expertise."""
        categories = tuple(db.session.execute(CATEGORY_CHOICES).all())
        self.tags = tuple(db.session.execute(TAG_CHOICES).all())
        key = (str(current_locale()), categories, self.tags)
        choices = _choices.get(key) or remember(_choices, key, self.make_choices(categories))
        self.kategori.choices, self.tagg.choices = choices
        self.kategori.render_key = self.tagg.render_key = key

    def make_choices(self, categories: tuple) -> tuple[list[SelectChoice], list[SelectChoice]]:
        all_categories, all_tags = str(_l("Alla kategorier")), str(_l("Alla ämnesord"))
        return [SelectChoice("", all_categories)] + [
            SelectChoice(str(c.id), translated(c.name)) for c in categories
        ], [SelectChoice("", all_tags)] + [
            SelectChoice(t.slug, t.name, render_kw={"class": "user-content"})  # members' words
            for t in self.tags
        ]


CATEGORY_CHOICES = select(Category.id, Category.name).order_by(Category.position, Category.name)
TAG_CHOICES = select(Tag.id, Tag.slug, Tag.name).order_by(Tag.name)


@bp.get("/sok")
@login_required
def results():
    form = SearchForm(request.args)
    form.fill_choices()
    if not form.validate():
        return render_template("search/results.html", form=form, result=None), 400
    query = form.q.data or ""
    result = search(
        query,
        category_id=int(form.kategori.data) if form.kategori.data else None,
        tag_slug=form.tagg.data or None,
        answered={"ja": True, "nej": False}.get(form.besvarad.data or ""),
        page=page_number(max_page=math.ceil(COUNT_CAP / PER_PAGE)),
        per_page=PER_PAGE,
        typos=request.args.get("exakt") != "1",  # the member undid a typo correction
    )
    part = request.args.get("del") if query and request.args.get("del") in SECTIONS else None
    args = {k: v for k, v in request.args.items() if k not in ("page", "del") and v}
    return render_template(
        "search/results.html",
        form=form,
        result=result,
        sections=sections(query, result.corrected, part, form.tags),
        part=part,
        args=args,
        exact_args=args | {"exakt": "1"},
    )


def sections(
    query: str, corrected: str | None, part: str | None, tags: tuple | None = None
) -> dict[str, Section]:
    """Meetings, topic suggestions and people for the query: a few each, or one kind in full.
    ``tags``: every tag's (id, name), as the form loaded them (else people's search loads them)."""
    if not query:
        return {}
    finders = {
        "traffar": lambda n: search_meetings(query, n, corrected),
        "forslag": lambda n: search_topics(query, n, corrected),
        "personer": lambda n: search_people(query, n, tags),
    }
    if part:
        return {part: finders[part](FULL_SECTION_SIZE)}
    return {name: find(SECTION_SIZE) for name, find in finders.items()}


@bp.get("/fragor/liknande")
@login_required
def similar():
    """Up to five existing questions like a title being typed (JSON for the ask form)."""
    title = clean(request.args.get("titel"))[:MAX_QUERY_LENGTH]
    questions = similar_questions(title, limit=5) if title else []
    # Told apart at a glance: how many answers, and whether one is the solution.
    facts = answer_facts([q.id for q in questions])
    return jsonify(
        questions=[
            {
                "id": q.id,
                "title": q.title,
                "url": question_url(q.id),
                "answers": facts.get(q.id, (0, False))[0],
                "solved": facts.get(q.id, (0, False))[1],
            }
            for q in questions
        ]
    )


def question_url(question_id: int, answer_id: int | None = None) -> str:
    """The stable address of a question (``/fragor/<id>``), at an answer when given."""
    url = f"{request.script_root}/fragor/{question_id}"
    return f"{url}#svar-{answer_id}" if answer_id else url


@bp.app_template_global()
def search_hit_url(hit) -> str:
    return question_url(hit.question_id, hit.answer_id)
