"""``svar+`` mail becomes an answer or a comment through the forum's own rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.extensions import db
from hub.forum.models import Answer, Comment
from hub.inbound.models import InboundMessage, Outcome
from hub.mail.models import OutboxMessage
from hub.notifications.models import Notification
from tests.inbound.conftest import SENDERS

EXPECTED = {
    "outlook_sv.eml": "Hej!\n\nVi startar om roboten varje morgon innan passet börjar, "
    "då slutar den pipa.",
    "outlook_en.eml": "Thanks, we tried the thin nitrile gloves and the screen reacts fine "
    "with them.",
    "gmail_sv.eml": "Tack för tipset! Vi testar laddstationen i korridoren på fredag.",
    "gmail_en.eml": "We charge them in the staff room every night now, works well.",
    "apple_mail.eml": "Det låter bra, vi provar kameran på två rum först.",
    "ios.eml": "Ja, vi har samma problem i Varberg. Vi ringer leverantören.",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mail_program_reply_becomes_an_answer_without_quote_or_signature(
    name, deliver, create_user, create_question
):
    asker = create_user(name="Anna Berg")
    writer_name, email = SENDERS[name]
    writer = create_user(email=email, name=writer_name)
    question = create_question(asker)

    result = deliver(name, "svar", writer.id, "question", question.id)

    assert result.outcome == Outcome.USED, result.reason
    answer = db.session.get(Answer, result.result[1])
    assert answer.question_id == question.id and answer.author_id == writer.id
    assert answer.body_source == EXPECTED[name]
    assert "Stafetten" not in answer.body_html and "Från:" not in answer.body_html
    # The forum's own rule ran: the asker is notified, the question counts the answer.
    db.session.refresh(question)
    assert question.answer_count == 1
    assert (
        db.session.scalar(
            select(func.count()).where(
                Notification.user_id == asker.id, Notification.kind == "answer"
            )
        )
        == 1
    )


def test_delivered_twice_posted_once(deliver, member, create_user, create_question):
    question = create_question(create_user())
    first = deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    second = deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    assert first.outcome == Outcome.USED
    assert second.duplicate and second.outcome == Outcome.IGNORED
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_same_text_again_under_a_new_message_id_is_the_forum_duplicate(
    deliver, member, create_user, create_question
):
    question = create_question(create_user())
    deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    again = deliver("outlook_sv.eml", "svar", member.id, "question", question.id,
                    **{"<GV1P189MB": "<again-GV1P189MB"})  # fmt: skip
    assert again.outcome == Outcome.IGNORED and "redan" in again.reason
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_reply_to_an_answer_mail_is_a_comment_on_it(
    deliver, member, create_user, create_question, create_answer
):
    question = create_question(member)
    answer = create_answer(question, create_user(name="Anna Berg"))
    result = deliver("outlook_sv.eml", "svar", member.id, "answer", answer.id)
    assert result.outcome == Outcome.USED and result.result[0] == "comment"
    comment = db.session.get(Comment, result.result[1])
    assert comment.answer_id == answer.id and comment.author_id == member.id


def test_reply_to_a_comment_mail_comments_beside_it(deliver, member, create_user, create_question):
    from hub.forum.answers import create_comment

    other = create_user()
    question = create_question(member)
    comment = create_comment(question, other, "Har ni provat att starta om den?")
    db.session.commit()
    result = deliver("outlook_sv.eml", "svar", member.id, "comment", comment.id)
    assert result.outcome == Outcome.USED and result.result[0] == "comment"
    assert db.session.get(Comment, result.result[1]).question_id == question.id


def test_long_reply_to_an_answer_mail_becomes_an_answer(
    deliver, member, create_user, create_question, create_answer
):
    question = create_question(member)
    answer = create_answer(question, create_user())
    long_text = "Vi har provat mycket. " * 40
    result = deliver("outlook_sv.eml", "svar", member.id, "answer", answer.id,
                     **{"Hej!\n\nVi startar": long_text + "\n\nVi startar"})  # fmt: skip
    assert result.outcome == Outcome.USED and result.result[0] == "answer"


def test_html_only_reply_with_scripts_is_posted_as_text(
    deliver, member, create_user, create_question
):
    question = create_question(create_user())
    result = deliver("html_only_script.eml", "svar", member.id, "question", question.id)
    assert result.outcome == Outcome.USED
    answer = db.session.get(Answer, result.result[1])
    assert answer.body_source == "Vi låser skärmen med en kod.\n\nDet fungerar bra."
    assert "script" not in answer.body_html and "onerror" not in answer.body_html


def test_forged_from_is_refused(deliver, member, create_user, create_question):
    question = create_question(create_user())
    result = deliver("outlook_sv.eml", "svar", member.id, "question", question.id,
                     **{"karin.ek@laholm.se": "mallory@evil.example"})  # fmt: skip
    assert result.outcome == Outcome.REFUSED and "mallory@evil.example" in result.reason
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    stored = db.session.scalar(select(InboundMessage))
    assert stored.outcome == Outcome.REFUSED and stored.raw.startswith(b"From:")


def test_another_members_token_is_refused(deliver, member, create_user, create_question):
    other = create_user(email="annan@laholm.se")
    question = create_question(create_user())
    result = deliver("outlook_sv.eml", "svar", other.id, "question", question.id)
    assert result.outcome == Outcome.REFUSED
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_reply_about_a_deleted_question_is_refused(deliver, member, create_user, create_question):
    from hub.forum.questions import delete_question

    question = create_question(create_user())
    delete_question(question)
    db.session.commit()
    result = deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    assert result.outcome == Outcome.REFUSED and "finns inte" in result.reason


def test_reply_about_a_deleted_answer_is_refused(
    deliver, member, create_user, create_question, create_answer
):
    question = create_question(member)
    answer = create_answer(question, create_user())
    from hub.forum.answers import delete_answer, get_answer_for

    delete_answer(get_answer_for(member, answer.id))
    db.session.commit()
    result = deliver("outlook_sv.eml", "svar", member.id, "answer", answer.id)
    assert result.outcome == Outcome.REFUSED


def test_a_message_with_no_text_is_kept_with_the_reason(
    deliver, member, create_user, create_question
):
    question = create_question(create_user())
    result = deliver("no_text.eml", "svar", member.id, "question", question.id)
    assert result.outcome == Outcome.UNUSED and result.reason == "ingen text i svaret"


def test_locked_question_refuses_with_the_forums_message(
    deliver, member, create_user, create_question
):
    question = create_question(create_user(), locked=True)
    result = deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    assert result.outcome == Outcome.REFUSED and "låst" in result.reason


def test_posting_limit_holds_for_mail_too(deliver, member, create_user, create_question, app):
    app.config["POSTING_LIMIT_PER_HOUR"] = 0
    question = create_question(create_user())
    result = deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    assert result.outcome == Outcome.REFUSED
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_reply_to_a_digest_gets_a_short_answer_with_links_at_most_three_a_day(deliver, member):
    for n in range(5):
        result = deliver("outlook_sv.eml", "svar", member.id, "none", 0,
                         **{"<GV1P189MB": f"<digest{n}-GV1P189MB"})  # fmt: skip
        assert result.outcome == Outcome.IGNORED
    notes = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "inbound_no_reply")
    )
    notes = list(notes)
    assert len(notes) == 3
    assert notes[0].to_address == member.email and "/fragor" in notes[0].body_text
    assert notes[0].headers["Auto-Submitted"] == "auto-replied"
    assert "Reply-To" not in notes[0].headers  # an answer to it goes nowhere: no loop


def test_inactive_member_is_refused(deliver, member, create_user, create_question):
    question = create_question(create_user())
    member.active = False
    db.session.commit()
    result = deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    assert result.outcome == Outcome.REFUSED
