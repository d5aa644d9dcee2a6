"""The search page's form: the query, a category, a tag and answered or not. Its lists of
categories and tags are kept per worker (``hub.core.kept``) and made into choices once per language
and rows;
a valid form is drawn once per language, rows and chosen values (``form_html``)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import CompoundSelect, Integer, String, literal_column, select, union_all
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import Select

from hub.core.driver_rows import DriverStatement
from hub.core.i18n import current_locale, translated
from hub.core.kept import KeptRows, drop_kept
from hub.core.layout import shared_part
from hub.core.models import Tag
from hub.forum.models import Category
from hub.forum.search import MAX_QUERY_LENGTH

# Control characters (NUL above all) are never part of a real query and PostgreSQL refuses them.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str | None) -> str:
    return CONTROL_RE.sub("", value or "").strip()


class QuickSelect(Select):
    """WTForms' select, each plain option written by one f-string: the same HTML as WTForms'
    ``html_params`` (attributes sorted: class, selected, value) at a fraction of its cost. The
    search page's form lists every tag; a valid form's HTML is kept whole (``form_html``), so
    this draws a form with errors and each kept form once."""

    @classmethod
    def render_option(cls, choice: Choice, **kwargs) -> Markup:
        extra = choice.render_kw or {}
        if kwargs or extra.keys() - {"class"} or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        css = f'class="{escape(extra["class"])}" ' if extra else ""
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {css}{selected}value="{escape(choice.value)}">{label}</option>')  # noqa: S704  (escaped)


# Per process, bounded: the choices made of a language and the rows of categories and tags.
CACHE_SIZE = 256


class OptionalSelectField(SelectField):
    """A select that may be left empty (its only validator is ``Optional``)."""

    def pre_validate(self, form: FlaskForm) -> None:
        raw = self.raw_data
        if not raw or not raw[0].strip():
            # Optional() drops any error for an empty value: WTForms made one anyway ("Not
            # a valid choice"), loading its catalogue from disk for it on every search.
            return
        super().pre_validate(form)


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
    kategori = OptionalSelectField(
        _l("Kategori"), coerce=str, validators=[Optional()], widget=QuickSelect()
    )
    tagg = OptionalSelectField(
        _l("Ämnesord"), coerce=str, validators=[Optional()], widget=QuickSelect()
    )
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
        """The categories and tags to choose from, kept per worker for
        ``REFERENCE_KEPT_SECONDS`` (a tag made in another worker a moment ago may be missing
        that long; in this one it is there at once); the choices are made once per language
        and rows, and ``choices_key`` names them (``form_html``). ``tags`` (id, slug, name)
        also serve the search for people's expertise."""
        self.choices_key, self.tags = choices_key(str(current_locale()), KEPT_CHOICES.rows())
        self.kategori.choices, self.tagg.choices = made_choices(*self.choices_key)


@lru_cache(maxsize=CACHE_SIZE)
def choices_key(locale: str, rows: tuple) -> tuple[tuple, tuple[TagChoice, ...]]:
    """The choices' key (language, categories, tags) and the tags, for the rows read: sorted
    into categories and tags once per language and rows, not on every search."""
    categories, tags = [], []
    for kind, id_, slug, name, _position in rows:
        if kind:
            tags.append(TagChoice(id_, slug, name))
        else:
            categories.append(CategoryChoice(id_, name))
    return (locale, tuple(categories), tuple(tags)), tuple(tags)


@lru_cache(maxsize=CACHE_SIZE)
def made_choices(
    locale: str, categories: tuple[CategoryChoice, ...], tags: tuple[TagChoice, ...]
) -> tuple[list[SelectChoice], list[SelectChoice]]:
    """``locale`` keys the kept choices only: the labels are translated in the request's."""
    all_categories, all_tags = str(_l("Alla kategorier")), str(_l("Alla ämnesord"))
    return [SelectChoice("", all_categories)] + [
        SelectChoice(str(c.id), translated(c.name)) for c in categories
    ], [SelectChoice("", all_tags)] + [
        SelectChoice(t.slug, t.name, render_kw={"class": "user-content"})  # members' words
        for t in tags
    ]


FORM = "search/_form.html"
# Valid forms differ by the chosen values (any blank choice is valid): their own store, so that
# no run of odd values pushes the layout's parts out.
FORMS_KEPT = 256


def form_html(form: SearchForm) -> Markup:
    """The form as drawn, after ``fill_choices`` and ``validate``. A valid form (no errors) is
    a shared part: everything it shows but the query is in its facts (the language and rows of
    the choices, the three chosen values), the query is a hole. Drawing it cost more than a
    tenth of a search's render."""
    template = current_app.jinja_env.get_template(FORM)
    if form.errors:
        return Markup(template.render(form=form, query=form.q._value()))  # noqa: S704  (autoescaped)
    facts = {
        "choices": form.choices_key,
        "values": (form.kategori.data, form.tagg.data, form.besvarad.data),
    }
    return shared_part(
        FORM,
        facts,
        {"query": form.q._value()},
        store="hub_search_forms",
        limit=FORMS_KEPT,
        write=lambda _facts, marks: template.render(form=form, query=marks["query"]),
    )


class CategoryChoice(NamedTuple):
    id: int
    name: str


class TagChoice(NamedTuple):
    id: int
    slug: str
    name: str


def _choices_statement() -> CompoundSelect:
    """Categories (kind 0, in their order) and tags (kind 1, by name) in one statement: the
    search page reads both on every render."""
    zero, one = literal_column("0", Integer), literal_column("1", Integer)
    categories = select(
        zero.label("kind"),
        Category.id.label("id"),
        literal_column("NULL", String).label("slug"),
        Category.name.label("name"),
        Category.position.label("position"),
    )
    tags = select(one, Tag.id, Tag.slug, Tag.name, zero)
    both = union_all(categories, tags)
    columns = both.selected_columns
    return both.order_by(columns.kind, columns.position, columns.name)


# Built once and sent on the driver's cursor; its rows kept per worker (``hub.core.kept``):
# every search shows them.
CHOICES = DriverStatement(_choices_statement)
KEPT_CHOICES = KeptRows("search-choices", lambda: tuple(CHOICES.rows()))


def kept_tags(afresh: bool = False) -> dict[int, tuple[int, str, str]]:
    """Every tag by id: its place by name (the database's order), slug and name, from the
    kept choices (``afresh``: read again first), made once per rows read."""
    if afresh:
        drop_kept()
    return KEPT_CHOICES.made(_tags_by_id)


def _tags_by_id(rows: tuple) -> dict[int, tuple[int, str, str]]:
    tags = [row for row in rows if row[0]]
    return {row[1]: (place, row[2], row[3]) for place, row in enumerate(tags)}
