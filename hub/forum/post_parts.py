"""The question page's answers, each kept as a shared part (``hub.core.layout``) and shown again
to every later reader for whom it is the same (issue 17).

An answer's part is made from its facts alone: the answer's row and its author's face, its
comments, the question's id and lock, and what this reader sees and may do (the privacy rule's
link, mentions linked for this reader, own answer, marked helpful, may accept, may delete a
comment). The facts are the part's key, the way Rails keys a fragment by its record's version;
here the values themselves are the version, so no write has to bump anything: an edit, a new
or deleted comment, a helpful mark, the author's new name, photo or hidden profile, a moderator
hiding the answer, or another reader's rights all give other facts, so another part. The
template cannot read anything else (``current_user``, ``request`` and the per-request globals
refuse there); the reader's CSRF token is a hole filled per request.

Moderators' pages and pages re-shown with a form's errors are made afresh, without keeping.
"Who can answer?" is kept the same way (its experts are the facts), and so are the page's
empty form fields (made from the form's class).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from flask import current_app, render_template
from flask_wtf import FlaskForm
from markupsafe import Markup, escape

from hub.auth.models import User
from hub.core.layout import SEPARATOR, shared_part, shared_parts
from hub.core.templating import csrf_token
from hub.forum.answers import PageAnswer, PageComment
from hub.forum.articles import write_answers, write_experts
from hub.forum.faces import Moment, head, moment
from hub.forum.mentions import link_mentions
from hub.forum.questions import Expert

ANSWERS = "forum/_answers.html"  # writes the answers it is given, each followed by SEPARATOR
POST_PARTS = "hub_post_parts"
# Per worker: ~3 kB of part and ~2 kB of key each. The realistic mix reads half its question
# pages from the newest 30 questions, so a few thousand answers hold nearly every read.
MAX_POST_PARTS = 3000


@dataclass(frozen=True, slots=True)
class PostQuestion:
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


def shown_comments(
    items: Iterable[PageComment], viewer: User, moderator: bool, people: Mapping[str, User]
) -> tuple[ShownComment, ...]:
    return tuple(
        ShownComment(
            c.id,
            link_mentions(escape(c.body), people),
            c.author_name,
            moment(c.created_at),
            c.author_id == viewer.id or moderator,
        )
        for c in items
    )


def answer_parts(question, rows: Sequence[tuple[PageAnswer, bool]],
                 comments: Mapping[tuple[str, int], list[PageComment]], *, viewer: User,
                 moderator: bool, can_accept: bool, people: Mapping[str, User],
                 forms: dict | None = None) -> list[Markup]:  # fmt: skip
    """Each answer's article as this reader sees it. ``forms`` (a comment or report form with
    its errors, ``comment_target``) makes the parts afresh, as do a moderator's rights."""
    shown_question = PostQuestion(question.id, question.locked)
    many = [
        {
            "question": shown_question,
            "answer": answer,
            "head": head(viewer, answer.author, answer.created_at, answer.edited_at),
            "body": link_mentions(answer.body_html, people),
            "solution": answer.id == question.accepted_answer_id,
            "own": answer.author_id == viewer.id,
            "marked": marked,
            "can_accept": can_accept,
            "moderator": moderator,
            "comments": shown_comments(
                comments.get(("answer", answer.id), ()), viewer, moderator, people
            ),
            "flag_form": None,
            "comment_form": None,
            "comment_target": "",
        }
        for answer, marked in rows
    ]
    if not many:
        return []
    if forms or moderator:
        for facts in many:
            facts.update(forms or {})
        separator = Markup(SEPARATOR)  # noqa: S704  (a private-use character)
        html = render_template(ANSWERS, parts=many, csrf=csrf_token(), separator=separator)
        return [Markup(text) for text in html.split(SEPARATOR)[:-1]]  # noqa: S704  (ours)
    holes = {"csrf": csrf_token()}
    return shared_parts(
        ANSWERS, many, holes, store=POST_PARTS, limit=MAX_POST_PARTS, write=write_answers
    )


EMPTY_FIELD = "forum/_empty_field.html"


def kept_field(form: FlaskForm, name: str, **options: Hashable) -> Markup:
    """``field(form[name], **options)`` of macros.html. While the field is empty and has no
    errors, it is the same for every reader in a language, so it is kept as a shared part made
    from the form's class: WTForms' widgets cost a tenth of the question page (issue 17)."""
    bound = form[name]
    if bound.data or bound.errors:
        macros = current_app.jinja_env.get_template("macros.html").module
        return macros.field(bound, **options)
    facts = {"form_class": type(form), "name": name, "options": tuple(sorted(options.items()))}
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
