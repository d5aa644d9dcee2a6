"""What people wrote, for mail: the post a notification is about, and short excerpts.

Mail is read where the member is not signed in, so only visible posts are given out (not deleted,
not hidden by a moderator). The text part gets the Markdown as written (literal, never markup);
the HTML part gets it rendered through the same sanitiser as the forum's pages.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import bleach
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from hub.auth.models import User
from hub.core.markdown import render_markdown
from hub.extensions import db
from hub.forum.models import Answer, Comment, Question

MAIL_TEXT_LIMIT = 2000
EXCERPT_LIMIT = 200


@dataclass(frozen=True)
class PostText:
    author_name: str | None
    source: str
    question_id: int | None = None  # the question the post belongs to (to follow it from a mail)

    @property
    def cut(self) -> bool:
        return len(self.source) > MAIL_TEXT_LIMIT

    @property
    def text(self) -> str:
        """The first ~2,000 characters as written, for the text part."""
        return shorten(self.source, MAIL_TEXT_LIMIT)

    @property
    def html(self) -> Markup:
        """The same, rendered and sanitised, for the HTML part."""
        return Markup(render_markdown(self.text))  # noqa: S704  (sanitised by render_markdown)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a space, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip() + "…"


def excerpt(source: str, limit: int = EXCERPT_LIMIT) -> str:
    """Plain text of a post, one line, ~200 characters (Markdown syntax rendered away)."""
    rendered = bleach.clean(render_markdown(source), tags=set(), strip=True)
    return shorten(re.sub(r"\s+", " ", html.unescape(rendered)).strip(), limit)


def post_texts(refs: Iterable[tuple[str | None, int | None]]) -> dict[tuple[str, int], PostText]:
    """The visible posts among ``refs`` (kind, id): one query per kind, whatever the number."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, post_id in refs:
        if kind and post_id:
            wanted[kind].add(post_id)
    visible_question = (Question.deleted_at.is_(None), Question.hidden.is_(False))
    shown_questions = select(Question.id).where(*visible_question)
    shown_answers = (
        select(Answer.id)
        .join(Question, Question.id == Answer.question_id)
        .where(*visible_question, Answer.deleted_at.is_(None), Answer.hidden.is_(False))
    )
    parent = aliased(Answer)  # the commented answer (its own alias: the subquery uses Answer)
    queries = {
        "question": select(Question.id, User.name, Question.body_source, Question.id)
        .outerjoin(User, User.id == Question.author_id)
        .where(Question.id.in_(wanted["question"]), *visible_question),
        "answer": select(Answer.id, User.name, Answer.body_source, Answer.question_id)
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(User, User.id == Answer.author_id)
        .where(Answer.id.in_(wanted["answer"]), *visible_question)
        .where(Answer.deleted_at.is_(None), Answer.hidden.is_(False)),
        "comment": select(
            Comment.id,
            User.name,
            Comment.body,
            func.coalesce(Comment.question_id, parent.question_id),
        )
        .outerjoin(parent, parent.id == Comment.answer_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.id.in_(wanted["comment"]), Comment.deleted_at.is_(None))
        .where(or_(Comment.question_id.in_(shown_questions), Comment.answer_id.in_(shown_answers))),
    }
    found: dict[tuple[str, int], PostText] = {}
    for kind, query in queries.items():
        for post_id, name, source, question_id in db.session.execute(query):
            found[(kind, post_id)] = PostText(name, source or "", question_id)
    return found
