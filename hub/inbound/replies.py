"""``svar+`` mail: a reply to a notification becomes an answer or a comment by its member.

Only when the From address is the member's own (the token names whom the mail went to, so a
colleague's reply with a forwarded mail, or a forged sender, is refused). The text is cut to what
was written (``trimming``) and goes through the forum's own rules, ``create_answer`` and
``create_comment``: the same sanitising, posting limits, duplicate check, notifications and
search indexing as a post from the page.

What it becomes: a reply to a mail about a question is an answer to it; about an answer, a
comment on that answer (an answer to the question if it is longer than a comment may be); about
a comment, a comment beside it. A reply to a mail that names nothing (a digest, a meeting mail)
gets a short answer with links, at most a few a day per member.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from hub.auth.models import User
from hub.auth.permissions import Permission, can
from hub.core import ratelimit
from hub.extensions import db
from hub.forum import answers, questions
from hub.forum.forms import ANSWER_MIN, BODY_MAX, COMMENT_MAX
from hub.forum.models import Answer, Comment, Question
from hub.forum.questions import DuplicatePost
from hub.inbound import reading
from hub.inbound.addresses import AddressToken
from hub.inbound.models import Outcome
from hub.inbound.results import Refused, Result
from hub.inbound.trimming import trim_reply

# Short answers to replies we cannot use, per member: enough to help, never a mail loop.
NOTE_LIMITS = ((3, 24 * 3600),)


def member_for(message, token: AddressToken) -> User:
    """The member the address was made for, if the mail really comes from them."""
    user = db.session.get(User, token.user_id) if token.user_id else None
    if user is None or not user.active:
        raise Refused("medlemmen finns inte eller är inte aktiv")
    sender = reading.sender_address(message)
    if sender != user.email.strip().lower():
        raise Refused(f"avsändaren {sender or '(ingen)'} är inte medlemmen adressen gjordes för")
    return user


def handle(message, token: AddressToken) -> Result:
    user = member_for(message, token)
    if token.target == "none":
        note_sent = send_note(user, _cannot_reply_reason(user), None)
        reason = "svar på ett mejl som inte tar emot svar" + (
            ": svarade med länkar" if note_sent else ""
        )
        return Result(Outcome.IGNORED, reason, user.id)
    if not can(user, Permission.POST):
        raise Refused("medlemmen får inte skriva i forumet")
    question, answer = _target(user, token)
    as_comment = token.target in ("answer", "comment")
    text = trim_reply(reading.body_text(message))
    if not text:
        return Result(Outcome.UNUSED, "ingen text i svaret", user.id)
    if len(text) > BODY_MAX:
        raise Refused(f"texten är längre än {BODY_MAX} tecken")
    try:
        return _post(question, answer, user, text, as_comment=as_comment)
    except DuplicatePost as error:
        return Result(Outcome.IGNORED, "samma text är redan publicerad", user.id,
                      ("existing", error.existing_id))  # fmt: skip


def _target(user: User, token: AddressToken) -> tuple[Question, Answer | None]:
    """The question (and answer) the reply is about, as the member may see it now."""
    answer: Answer | None = None
    question_id = token.target_id
    if token.target == "answer":
        answer = answers.get_answer_for(user, token.target_id)
        if answer is None:
            raise Refused("svaret finns inte längre")
        question_id = answer.question_id
    elif token.target == "comment":
        comment = answers.get_comment(token.target_id)
        if comment is None:
            raise Refused("kommentaren finns inte längre")
        if comment.answer_id is not None:
            answer = answers.get_answer_for(user, comment.answer_id)
            if answer is None:
                raise Refused("svaret finns inte längre")
        question_id = answers.comment_question_id(comment)
    elif token.target != "question":
        raise Refused("adressen gäller inte ett inlägg")
    question = questions.get_question_for(user, question_id)
    if question is None or question.merged_into_id is not None:
        raise Refused("frågan finns inte längre")
    return question, answer


def _post(
    question: Question, answer: Answer | None, user: User, text: str, *, as_comment: bool
) -> Result:
    """A comment on the answer (or on the question) when the mail was about one and the text
    fits in a comment; otherwise an answer to the question."""
    if as_comment and len(text) <= COMMENT_MAX:
        comment: Comment = answers.create_comment(question, user, text, answer)
        return Result(Outcome.USED, "kommentar publicerad", user.id, ("comment", comment.id))
    if len(text) < ANSWER_MIN:
        return Result(Outcome.UNUSED, "för kort för ett svar", user.id)
    posted = answers.create_answer(question, user, text)
    return Result(Outcome.USED, "svar publicerat", user.id, ("answer", posted.id))


def _cannot_reply_reason(user: User) -> str:
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _(
            "Tack för ditt mejl! Det här mejlet går inte att svara på, så ingen har fått ditt "
            "svar. Skriv gärna på Stafetten i stället."
        )


def send_note(user: User, reason: str, url: str | None) -> bool:
    """A short answer with links; False when the member already had a few today."""
    from hub.mail.outbox import queue_email

    if not ratelimit.allow("inbound-note", user.id, NOTE_LIMITS):
        return False
    message = queue_email(
        "inbound_no_reply", user.email, kind="inbound_no_reply", user_id=user.id,
        name=user.name, reason=reason, url=url,
    )  # fmt: skip
    # An answer to a mail (RFC 3834): other robots must not answer it in turn.
    message.headers = {**message.headers, "Auto-Submitted": "auto-replied"}
    return True
