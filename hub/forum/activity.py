"""Who hears of what in the forum: answers, accepts, mentions, follows, "be någon svara".

Each event gathers its recipients once, so nobody gets two notifications for one event; the most
specific reason wins (a mention beats a follow).
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from hub.auth.models import User
from hub.core import ratelimit
from hub.core.rules import TooMany
from hub.directory.privacy import listed_people
from hub.extensions import db
from hub.forum.errors import ForumError
from hub.forum.models import Answer, AskToAnswer, Comment, Follow, Question
from hub.forum.paths import question_path
from hub.notifications.notify import notify, notify_many

FOLLOW_TARGETS = ("question", "tag", "category")
# "@Anna Karlsson" or "@Anna M. Karlsson": capitalised words after an @.
MENTION = re.compile(r"(?<![\w@])@((?:[A-ZÅÄÖÉ][\w\-]*\.?)(?:[ \u00a0][A-ZÅÄÖÉ][\w\-]*\.?){0,2})")


def _cut(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def mentioned_users(text: str, options: list | None = None) -> list[User]:
    """Members named after an @ in the text; longest name first so "Anna Berg Ek" wins.
    ``options``: loader options for what the caller reads of them (their profile)."""
    written: set[str] = set()
    for match in MENTION.finditer(text or ""):
        words = match.group(1).replace("\u00a0", " ").split(" ")
        for n in range(2, len(words) + 1):
            written.add(" ".join(words[:n]).rstrip("."))
    if not written:
        return []
    # As written and lower-cased: SQLite's lower() leaves Å, Ä and Ö alone.
    lowered = {name.lower() for name in written}
    users = db.session.scalars(
        listed_people()
        .where(or_(User.name.in_(written), func.lower(User.name).in_(lowered)))
        .options(*(options or []))
        .limit(20)
    )
    return list(users)


def followers(target_type: str, target_ids: list[int]) -> set[int]:
    if not target_ids:
        return set()
    return set(
        db.session.scalars(
            select(Follow.user_id).where(
                Follow.target_type == target_type, Follow.target_id.in_(target_ids)
            )
        )
    )


def _send(
    recipients: dict[int, tuple[str, str]],
    url: str,
    actor: User | None,
    post: tuple[str, int] | None = None,
) -> None:
    notify_many(recipients, url, actor.id if actor else None, post=post)


def notify_mentions(
    body: str, actor: User, url: str, title: str, skip_user_id: int | None = None
) -> None:
    recipients = {
        u.id: (
            "mention",
            _("%(name)s nämnde dig i ”%(title)s”", name=actor.name, title=_cut(title)),
        )
        for u in mentioned_users(body)
    }
    _send(recipients, url, actor)


def _mention_recipients(body: str, actor: User, title: str) -> dict[int, tuple[str, str]]:
    return {
        u.id: (
            "mention",
            _("%(name)s nämnde dig i ”%(title)s”", name=actor.name, title=_cut(title)),
        )
        for u in mentioned_users(body)
    }


def notify_new_question(question: Question, author: User) -> None:
    recipients: dict[int, tuple[str, str]] = {}
    text = _("Ny fråga som du följer: ”%(title)s”", title=_cut(question.title))
    for user_id in followers("category", [question.category_id]) | followers(
        "tag", [t.id for t in question.tags]
    ):
        recipients[user_id] = ("follow", text)
    recipients.update(_mention_recipients(question.body_source, author, question.title))
    _send(recipients, question_path(question), author, post=("question", question.id))


def notify_new_answer(
    question: Question, answer: Answer, author: User, following: set[int]
) -> None:
    """``following``: the question's followers (``followers``), as the caller read them."""
    recipients: dict[int, tuple[str, str]] = {}
    follow_text = _("Nytt svar på ”%(title)s”", title=_cut(question.title))
    for user_id in following:
        recipients[user_id] = ("follow", follow_text)
    if question.author_id is not None:
        recipients[question.author_id] = (
            "answer",
            _(
                "%(name)s svarade på din fråga ”%(title)s”",
                name=author.name,
                title=_cut(question.title),
            ),
        )
    recipients.update(_mention_recipients(answer.body_source, author, question.title))
    _send(
        recipients,
        question_path(question) + f"#svar-{answer.id}",
        author,
        post=("answer", answer.id),
    )


def notify_new_comment(
    question: Question, comment: Comment, author: User, answer: Answer | None
) -> None:
    recipients: dict[int, tuple[str, str]] = {}
    text = _("Ny kommentar på ”%(title)s”", title=_cut(question.title))
    for user_id in followers("question", [question.id]):
        recipients[user_id] = ("follow", text)
    owner = answer.author_id if answer is not None else question.author_id
    if owner is not None:
        recipients[owner] = (
            "comment",
            _(
                "%(name)s kommenterade ditt inlägg i ”%(title)s”",
                name=author.name,
                title=_cut(question.title),
            ),
        )
    recipients.update(_mention_recipients(comment.body, author, question.title))
    anchor = f"#svar-{answer.id}" if answer is not None else ""
    _send(recipients, question_path(question) + anchor, author, post=("comment", comment.id))


def notify_accepted(question: Question, answer: Answer, actor: User) -> None:
    if answer.author_id is None:
        return
    text = _("Ditt svar på ”%(title)s” godtogs", title=_cut(question.title))
    notify(
        answer.author_id,
        "accept",
        text,
        question_path(question) + f"#svar-{answer.id}",
        actor_id=actor.id,
        post=("answer", answer.id),
    )


# --- follow -------------------------------------------------------------------------------


def set_following(user: User, target_type: str, target_id: int, follow: bool) -> None:
    if target_type not in FOLLOW_TARGETS:
        raise ForumError(_("Det går inte att följa det."))
    found = db.session.scalar(
        select(Follow).where(
            Follow.user_id == user.id,
            Follow.target_type == target_type,
            Follow.target_id == target_id,
        )
    )
    if follow and found is None:
        db.session.add(Follow(user_id=user.id, target_type=target_type, target_id=target_id))
    elif not follow and found is not None:
        db.session.delete(found)
    db.session.flush()


# --- be någon svara -----------------------------------------------------------------------


def find_member_by_name(name: str) -> User | None:
    name = re.sub(r"\s+", " ", name or "").strip().lstrip("@")
    if not name:
        return None
    users = list(
        db.session.scalars(
            listed_people()
            .where(or_(User.name == name, func.lower(User.name) == name.lower()))
            .limit(2)
        )
    )
    return users[0] if len(users) == 1 else None


def listed_member(user_id: int) -> User | None:
    """A member one may ask by id (the one-tap "Be om svar"); a hidden member is nobody."""
    return db.session.scalar(listed_people().where(User.id == user_id))


def ask_to_answer_by_name(question: Question, asker: User, name: str) -> tuple[User, bool]:
    """Ask the member named ``name``; returns them and whether the request was sent now."""
    colleague = find_member_by_name(name)
    if colleague is None:
        raise ForumError(_("Vi hittar ingen medlem med exakt det namnet."), field="name")
    return colleague, ask_to_answer(question, asker, colleague)


# Each request to answer notifies (and mails) a colleague.
ASK_LIMITS = ((10, 3600), (30, 24 * 3600))


def ask_to_answer(question: Question, asker: User, colleague: User) -> bool:
    """Ask a named colleague to answer; once per colleague and question. True if sent now."""
    if colleague.id == asker.id:
        raise ForumError(_("Du kan inte be dig själv att svara."), field="name")
    if colleague.id == question.author_id:
        raise ForumError(_("Det är den personen som har ställt frågan."), field="name")
    done = db.session.scalar(
        select(AskToAnswer.id).where(
            AskToAnswer.question_id == question.id, AskToAnswer.asked_user_id == colleague.id
        )
    )
    if done is not None:
        return False
    if not ratelimit.allow("ask-to-answer", asker.id, ASK_LIMITS):
        raise TooMany(_("Du har bett många kollegor svara i dag. Försök igen senare."))
    db.session.add(
        AskToAnswer(question_id=question.id, asked_user_id=colleague.id, asked_by_id=asker.id)
    )
    notify(
        colleague.id,
        "ask_to_answer",
        _("%(name)s ber dig svara på ”%(title)s”", name=asker.name, title=_cut(question.title)),
        question_path(question),
        actor_id=asker.id,
        post=("question", question.id),
    )
    db.session.flush()
    return True


def people_matching(prefix: str, limit: int = 8) -> list[User]:
    """For @-autocompletion: active members whose name starts with the prefix."""
    prefix = (prefix or "").strip().lstrip("@")
    if len(prefix) < 2:
        return []
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        listed_people()
        .where(User.name.ilike(f"{escaped}%", escape="\\"))
        .order_by(User.name)
        .limit(limit)
    )
    return list(db.session.scalars(query))
