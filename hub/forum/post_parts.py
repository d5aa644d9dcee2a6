"""The question page's question and answers, each kept as a shared part (``hub.core.layout``)
and shown again to every later reader for whom it is the same (issue 17).

An answer's part is keyed by its facts: the answer's row and its author's face, its comments'
rows, the question's id and lock, and the few facts of this reader (may open the author's page,
own answer, marked helpful, may accept, may delete a comment, the mentioned people they may
open) with the "how long ago" words. The values themselves are the version, the way Rails keys a
fragment by its record's version, so no write has to bump anything: an edit, a new or deleted
comment, a helpful mark, the author's new name, photo or hidden profile, a moderator hiding the
answer, or another reader's rights all give other facts, so another part. What the part shows
(the head, the body with mentions linked, the comments as shown) is worked out from the facts
only when it is made: a later reader's request only reads the rows and looks the part up. The
question's own article is kept the same way (``question_part``). A part is written in Python
(``hub.forum.articles``) and sees nothing but its facts; the reader's CSRF token (and the
page's address) are holes filled per request.

Moderators' answers and pages re-shown with a form's errors are made afresh, without keeping.
"Who can answer?" is kept the same way (its experts are the facts), and so are the page's
empty form fields (made from the form's class).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple

from flask import current_app, render_template, request
from flask_wtf import FlaskForm
from markupsafe import Markup, escape

from hub.auth.models import User
from hub.core.layout import SEPARATOR, shared_part, shared_parts
from hub.core.templating import ago_writer, csrf_token, datetime_filter, iso_filter
from hub.directory.privacy import can_view_person
from hub.forum.articles import write_answers, write_experts, write_question
from hub.forum.faces import Moment, head_of
from hub.forum.mentions import link_mentions
from hub.forum.page_answers import PageAnswer
from hub.forum.page_comments import PageComment
from hub.forum.questions import Expert, PageQuestion, TagLink

ANSWERS = "forum/_answers.html"  # writes the answers it is given, each followed by SEPARATOR
POST_PARTS = "hub_post_parts"
# Per worker: ~3 kB of part and ~2 kB of key each. The realistic mix reads half its question
# pages from the newest 30 questions, so a few thousand answers hold nearly every read.
MAX_POST_PARTS = 3000


class PostQuestion(NamedTuple):
    """What an answer's part shows of its question."""

    id: int
    locked: bool


@dataclass(frozen=True, slots=True)
class ShownComment:
    """A comment as this reader is shown it."""

    id: int
    body: Markup  # escaped, with the mentions this reader may open linked
    author_name: str | None  # None: a former member
    created: Moment
    deletable: bool  # by this reader


def answer_parts(question, rows: Sequence[tuple[PageAnswer, bool]],
                 comments: Mapping[tuple[str, int], list[PageComment]], *, viewer: User,
                 moderator: bool, can_accept: bool, people: Mapping[str, User],
                 forms: dict | None = None) -> list[Markup]:  # fmt: skip
    """Each answer's article as this reader sees it. ``forms`` (a comment or report form with
    its errors, ``comment_target``) makes the parts afresh, as do a moderator's rights.

    A part's key is the answer's and its comments' row values and the few facts of the reader
    (may open the author's page, own, marked, may accept, may delete a comment, the mentioned
    people they may open) with the "how long ago" words: all a later reader's request works
    out. The head, the body with its mentions linked and the comments as shown are worked out
    only when the part is made (``_article_facts``)."""
    if not rows:
        return []
    shown_question = PostQuestion(question.id, question.locked)
    linked = _linked(people)
    viewer_id = viewer.id
    ago = ago_writer()  # the moment and the language once for the page's dates
    many = []
    for answer, marked in rows:
        items = comments.get(("answer", answer.id), ())
        author = answer.author
        said = _comment_facts(items, viewer_id, moderator, ago) if items else ()
        mentions = "@" in answer.body_html or any("@" in c.body for c in items)
        many.append({"facts": AnswerFacts(
            shown_question,
            answer,
            author is not None and can_view_person(viewer, author),
            ago(answer.created_at),
            answer.id == question.accepted_answer_id,
            answer.author_id == viewer_id,
            marked,
            can_accept,
            said,
            linked if mentions else (),
        )})  # fmt: skip
    if forms or moderator:
        full = [_article_facts(facts, moderator) | (forms or {}) for facts in many]
        separator = Markup(SEPARATOR)  # noqa: S704  (a private-use character)
        html = render_template(ANSWERS, parts=full, csrf=csrf_token(), separator=separator)
        return [Markup(text) for text in html.split(SEPARATOR)[:-1]]  # noqa: S704  (ours)
    holes = {"csrf": csrf_token()}
    return shared_parts(
        ANSWERS, many, holes, store=POST_PARTS, limit=MAX_POST_PARTS, write=_write_answers
    )


_NO_FORMS = {"flag_form": None, "comment_form": None, "comment_target": ""}


class _Linked(NamedTuple):
    """A mentioned member the reader may open: all ``link_mentions`` reads of them."""

    id: int


class AnswerFacts(NamedTuple):
    """An answer's part's facts: the answer's row and the few facts of this reader. One tuple,
    not a mapping of them: a part's key is made and looked up for every answer on every page,
    and a tuple is hashed in C where a mapping's items are first sorted."""

    question: PostQuestion
    answer: PageAnswer
    may_open: bool  # the author's page, by the privacy rule
    ago: str
    solution: bool
    own: bool
    marked: bool  # helpful, by this reader
    can_accept: bool
    comments: tuple[tuple[PageComment, bool, str], ...]  # ``_comment_facts``
    people: tuple[tuple[str, int], ...]  # the mentioned members the reader may open


def _article_facts(part: Mapping, moderator: bool = False) -> dict:
    """What forum/_answers.html (and ``articles.write_answers``) show of an answer, from the
    facts of its part."""
    facts: AnswerFacts = part["facts"]
    answer = facts.answer
    people = _people(facts.people)
    head = head_of(answer.author, answer.created_at, answer.edited_at,
                   may_open=facts.may_open, ago=facts.ago)  # fmt: skip
    return {
        "question": facts.question,
        "answer": answer,
        "head": head,
        "body": link_mentions(answer.body_html, people),
        "solution": facts.solution,
        "own": facts.own,
        "marked": facts.marked,
        "can_accept": facts.can_accept,
        "moderator": moderator,
        "comments": _shown(facts.comments, people),
        **_NO_FORMS,
    }


def _comment_facts(
    items: Iterable[PageComment], viewer_id: int, moderator: bool, ago: Callable[[datetime], str]
) -> tuple[tuple[PageComment, bool, str], ...]:
    """Each comment with whether this reader may delete it and how long ago it was written."""
    return tuple((c, c.author_id == viewer_id or moderator, ago(c.created_at)) for c in items)


def _shown(said: Iterable[tuple[PageComment, bool, str]],
           people: Mapping[str, _Linked]) -> tuple[ShownComment, ...]:  # fmt: skip
    """The comments as shown, from their facts (``_comment_facts``)."""
    return tuple(
        ShownComment(
            c.id,
            link_mentions(escape(c.body), people),
            c.author_name,
            Moment(iso_filter(c.created_at), datetime_filter(c.created_at), ago),
            deletable,
        )
        for c, deletable, ago in said
    )


def _linked(people: Mapping[str, User]) -> tuple[tuple[str, int], ...]:
    """The mentioned members the reader may open, as a part's fact."""
    return tuple(sorted((name, person.id) for name, person in people.items()))


def _people(linked: Iterable[tuple[str, int]]) -> dict[str, _Linked]:
    return {name: _Linked(person_id) for name, person_id in linked}


def _write_answers(parts: Sequence[Mapping], marks: Mapping[str, Markup]) -> list[str]:
    return write_answers([_article_facts(facts) for facts in parts], marks)


QUESTION = "forum/_question_article.html"


class ShownQuestion(NamedTuple):
    """What the question's own article shows of it (its part's key with the reader's facts)."""

    id: int
    title: str
    category_slug: str
    category_name: str
    hidden: bool
    locked: bool
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    tags: tuple[TagLink, ...]


def question_part(question: PageQuestion, comments: Sequence[PageComment], *, viewer: User,
                  moderator: bool, people: Mapping[str, User], following: bool,
                  forms: dict | None = None) -> Markup:  # fmt: skip
    """The question's own article as this reader sees it, kept as a shared part like an
    answer's: its key is the question's and its comments' values and the reader's few facts
    (may open the asker's page, follows, may edit, may delete, may delete a comment, the
    mentioned people they may open); the CSRF token and the page's address are holes. A
    comment or report form with its errors (``forms``) makes it afresh."""
    author = question.author
    shown = ShownQuestion(
        question.id,
        question.title,
        question.category_slug,
        question.category_name,
        question.hidden,
        question.locked,
        question.body_html,
        question.created_at,
        question.edited_at,
        tuple(TagLink(tag.slug, tag.name) for tag in question.tags),
    )
    ago = ago_writer()
    said = _comment_facts(comments, viewer.id, moderator, ago)
    mentions = "@" in question.body_html or any("@" in c.body for c in comments)
    facts = {
        "question": shown,
        "author": author,
        "may_open": author is not None and can_view_person(viewer, author),
        "ago": ago(question.created_at),
        "following": following,
        "own": question.author_id == viewer.id,
        "can_delete": question.author_id == viewer.id or moderator,
        "comments": said,
        "people": _linked(people) if mentions else (),
    }
    holes = {"csrf": csrf_token(), "path": request.path}
    if forms:
        return Markup(render_template(QUESTION, **_question_facts(facts), **forms, **holes))  # noqa: S704
    return shared_part(
        QUESTION, facts, holes, store=POST_PARTS, limit=MAX_POST_PARTS, write=_write_question
    )


def _question_facts(facts: Mapping) -> dict:
    """What forum/_question_article.html (and ``articles.write_question``) show, from the
    facts of the question's part."""
    question = facts["question"]
    people = _people(facts["people"])
    head = head_of(facts["author"], question.created_at, question.edited_at,
                   may_open=facts["may_open"], ago=facts["ago"])  # fmt: skip
    return {
        **facts,
        "head": head,
        "body": link_mentions(question.body_html, people),
        "comments": _shown(facts["comments"], people),
    }


def _write_question(facts: Mapping, marks: Mapping[str, Markup]) -> str:
    return write_question(_question_facts(facts), marks)


EMPTY_FIELD = "forum/_empty_field.html"


class _BlankField(NamedTuple):
    data: None = None
    errors: tuple = ()


class BlankForm:
    """An empty form of ``form_class`` as the question page reads it (no data, no errors in
    any field), without making one: a page that shows its forms empty made two WTForms forms
    per request only to find that out (issue 17). Its fields are shown by ``kept_field``."""

    errors: Mapping = MappingProxyType({})

    def __init__(self, form_class: type[FlaskForm]) -> None:
        self.form_class = form_class

    # Equal for one form class: a fact of the kept page content (``question_content``).
    def __eq__(self, other: object) -> bool:
        return isinstance(other, BlankForm) and other.form_class is self.form_class

    def __hash__(self) -> int:
        return hash((BlankForm, self.form_class))

    def __getitem__(self, name: str) -> _BlankField:
        return _BlankField()

    def __getattr__(self, name: str) -> _BlankField:
        return _BlankField()


def kept_field(form: FlaskForm | BlankForm, name: str, **options: Hashable) -> Markup:
    """``field(form[name], **options)`` of macros.html. While the field is empty and has no
    errors, it is the same for every reader in a language, so it is kept as a shared part made
    from the form's class: WTForms' widgets cost a tenth of the question page (issue 17)."""
    bound = form[name]
    if bound.data or bound.errors:
        macros = current_app.jinja_env.get_template("macros.html").module
        return macros.field(bound, **options)
    form_class = form.form_class if isinstance(form, BlankForm) else type(form)
    facts = {"form_class": form_class, "name": name, "options": tuple(sorted(options.items()))}
    return shared_part(EMPTY_FIELD, facts, {})


EXPERTS = "forum/_experts.html"


def experts_part(question_id: int, experts: Sequence[Expert]) -> Markup:
    """ "Who can answer?", kept per question and experts: the list (which never holds the
    reader) and whether each was asked are the facts."""
    facts = {"question_id": question_id, "experts": tuple(experts)}
    holes = {"csrf": csrf_token()}
    return shared_part(
        EXPERTS, facts, holes, store=POST_PARTS, limit=MAX_POST_PARTS, write=write_experts
    )


CONTENT = "forum/_question_content.html"


def question_content(
    question: PageQuestion, question_part: Markup, answer_parts: list[Markup],
    experts_part: Markup, *, moderator: bool, forms: Mapping,
) -> Markup:  # fmt: skip
    """The page's own content around its parts (the question's article, the answers, "Who can
    answer?"): the headings, the answer and ask forms, a moderator's tools. While both
    forms are empty and the reader does not moderate it is the same for every reader of the
    question (its id, lock and number of answers are the facts), so it is kept as a shared
    part, the parts and the CSRF token its holes: written per request, its translations, URLs
    and form fields were a tenth of a later reader's page (issue 17)."""
    answers = Markup("".join(answer_parts))  # noqa: S704  (each part is Markup)
    holes = {"question_part": question_part, "answers": answers, "experts_part": experts_part,
             "csrf": csrf_token()}  # fmt: skip
    answer_count = len(answer_parts)
    blank = all(isinstance(forms[name], BlankForm) for name in ("answer_form", "ask_form"))
    if moderator or not blank:
        context = {"question": question, "answer_count": answer_count, "moderator": moderator}
        return Markup(render_template(CONTENT, **context, **forms, **holes))  # noqa: S704
    facts = {"question": PostQuestion(question.id, question.locked),
             "answer_count": answer_count, "moderator": False, **forms}  # fmt: skip
    return shared_part(CONTENT, facts, holes, store=POST_PARTS, limit=MAX_POST_PARTS)
