"""The text is in the mail: answer, comment and mention mails carry the post (sanitised, ~2,000
characters); digests carry ~200-character excerpts and who wrote them; "titles only" leaves both
out. The forum's XSS vectors are inert in the HTML part and literal in the text part."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from hub.auth.models import Role, User
from hub.core.db import utcnow
from hub.extensions import db
from hub.forum import answers, questions
from hub.forum.models import Category, Follow
from hub.mail.models import OutboxMessage
from hub.mail.notifications import send_notification_emails
from hub.mail.preferences import set_preferences
from hub.notifications.models import Notification
from tests.forum.test_answers import XSS


@pytest.fixture
def asker_and_answerer(create_user):
    category = Category(slug="kategori-posttext", name="Välfärdsteknik", position=1)
    db.session.add(category)
    asker = create_user(name="Anna Ek")
    answerer = create_user(name="Karin Berg")
    db.session.commit()
    question = questions.create_question(
        asker,
        title="Hur laddar ni surfplattorna?",
        body="Vi har tolv plattor och ett skåp.",
        category_id=category.id,
        tag_names=[],
    )
    db.session.commit()
    return asker, answerer, question


def mail_to(user) -> OutboxMessage:
    send_notification_emails(utcnow() + timedelta(seconds=1))
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)
    ).all()[-1]


def inert(html: str) -> bool:
    lowered = html.lower()
    return (
        "<script" not in lowered
        and "<svg" not in lowered
        and "<img" not in lowered
        and not re.search(r'(href|src)\s*=\s*"?\s*(javascript|data):', lowered)
        and not re.search(r"<[^>]+\son\w+\s*=", lowered)
    )


@pytest.mark.parametrize("vector", XSS)
def test_answer_mail_carries_the_text_sanitised(asker_and_answerer, vector):
    asker, answerer, question = asker_and_answerer
    body = f"Vi laddar dem i personalrummet. {vector} Fråga gärna mer!"
    answers.create_answer(question, answerer, body)
    db.session.commit()
    mail = mail_to(asker)
    assert "Karin Berg skrev:" in mail.body_text
    assert body in mail.body_text  # literal, as written
    assert "Karin Berg skrev:" in mail.body_html and "personalrummet" in mail.body_html
    assert inert(mail.body_html), mail.body_html


def test_long_posts_are_cut_near_2000_characters_with_a_link(asker_and_answerer):
    asker, answerer, question = asker_and_answerer
    answers.create_answer(question, answerer, "ord " * 1500)
    db.session.commit()
    mail = mail_to(asker)
    quoted = mail.body_text.split("Karin Berg skrev:")[1].split("Texten är förkortad.")[0]
    assert 1900 <= len(quoted.strip()) <= 2000 and quoted.strip().endswith("…")
    assert "/fragor/" in mail.body_text.split("Texten är förkortad.")[1]


def test_comment_and_mention_mails_carry_the_text(asker_and_answerer, create_user):
    asker, answerer, question = asker_and_answerer
    answer = answers.create_answer(question, answerer, "Vi har ett laddskåp, @Anna Ek.")
    db.session.commit()
    mention = mail_to(asker)
    assert "Vi har ett laddskåp" in mention.body_text
    answers.create_comment(question, asker, "Vilket märke är skåpet?", answer)
    db.session.commit()
    assert "Vilket märke är skåpet?" in mail_to(answerer).body_text


def test_titles_only_and_hidden_posts_leave_the_text_out(asker_and_answerer):
    asker, answerer, question = asker_and_answerer
    set_preferences(asker.id, mail_text="titles")
    answers.create_answer(question, answerer, "Hemligt på en delad dator")
    db.session.commit()
    mail = mail_to(asker)
    assert "Hemligt" not in mail.body_text and "Hemligt" not in mail.body_html
    assert "skrev:" not in mail.body_text

    set_preferences(asker.id, mail_text="full")
    hidden = answers.create_answer(question, answerer, "Borttaget av moderator")
    hidden.hidden = True
    db.session.commit()
    mail = mail_to(asker)
    assert "Borttaget" not in mail.body_text and "skrev:" not in mail.body_text


def test_digest_excerpts_say_who_wrote_them_and_respect_titles_only(app, create_user):
    from hub.digests.run import run_digests

    category = Category(slug="kategori-digest-text", name="Larm", position=2)
    db.session.add(category)
    reader, shared = create_user(name="Läsare Ett"), create_user(name="Läsare Två")
    writer = create_user(name="Per Skribent")
    db.session.commit()
    for member in (reader, shared):
        db.session.add(Follow(user_id=member.id, target_type="category", target_id=category.id))
        set_preferences(member.id, digest_frequency="daily")
    set_preferences(shared.id, mail_text="titles")
    vector = XSS[0]
    questions.create_question(
        writer,
        title="Larmet piper hela natten",
        body=f"**Det piper** varje natt. {vector} " + "Mer text. " * 60,
        category_id=category.id,
        tag_names=[],
    )
    db.session.commit()
    run_digests(utcnow() + timedelta(days=1, hours=1))
    digests = {
        row.user_id: row
        for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    }
    text, html = digests[reader.id].body_text, digests[reader.id].body_html
    line = next(line for line in text.splitlines() if "Per Skribent:" in line)
    assert "Det piper varje natt." in line and "<script>alert(1)</script>" in line  # literal
    assert 150 <= len(line.split("”")[1]) <= 205
    assert "Per Skribent:" in html and inert(html)
    assert "Det piper" not in digests[shared.id].body_text
    assert "Larmet piper hela natten" in digests[shared.id].body_text


@pytest.mark.slow  # 2,000 members and their digests: seconds of CPU, run by ./scripts/test
def test_digest_statements_stay_fixed_for_2000_members(app, count_queries, create_network):
    """One batch for 20 members and one for 2,000 cost the same statements, excerpts and each
    member's signed answer links for an upcoming meeting included."""
    from hub.digests.run import run_digests
    from hub.digests.schedule import current_period
    from hub.meetings.models import Meeting

    category = Category(slug="kategori-tvatusen", name="Tvåtusen", position=3)
    db.session.add(category)
    db.session.flush()
    writer = User(
        email="skribent@laholm.se",
        name="Sara Skribent",
        role=Role.MEMBER,
        password_hash="x",
        email_confirmed_at=utcnow(),
        municipality_code="1381",
    )
    db.session.add(writer)
    db.session.commit()

    def members(first: int, count: int) -> None:
        now = utcnow()
        rows = [
            {
                "email": f"m{n}@laholm.se",
                "name": f"Medlem {n}",
                "role": Role.MEMBER,
                "password_hash": "x",
                "email_confirmed_at": now,
                "municipality_code": "1381",
                "locale": "sv",
                "active": True,
            }
            for n in range(first, first + count)
        ]
        db.session.execute(insert(User), rows)
        ids = db.session.scalars(select(User.id).where(User.email.in_([r["email"] for r in rows])))
        db.session.execute(
            insert(Follow),
            [{"user_id": i, "target_type": "category", "target_id": category.id} for i in ids],
        )
        db.session.commit()

    def question(title: str, at) -> None:
        question = questions.create_question(
            writer, title=title, body="Text som blir ett utdrag. " * 30,
            category_id=category.id, tag_names=[],
        )  # fmt: skip
        question.created_at = at
        # Its followers' notifications, in the period too: each digest has one, with an excerpt.
        db.session.execute(update(Notification).values(created_at=at))
        db.session.commit()

    def in_period(moment):
        return current_period("weekly", moment).ends_at - timedelta(hours=1)

    start = utcnow() + timedelta(days=30)
    network = create_network(codes=("1381", "1380"))
    # Past both digests' next send days, whatever the weekday: context in both, never news (a
    # meeting before the next digest would be news, and give the writer a digest of their own).
    meeting_at = start + timedelta(days=22)
    db.session.add(Meeting(
        network_id=network.id, host_code="1381", title="Höstträffen", starts_at=meeting_at,
        ends_at=meeting_at + timedelta(hours=2), place="Stadshuset", uid="tvatusen@stafetten.test",
        created_at=utcnow(),
    ))  # fmt: skip
    db.session.commit()
    members(0, 20)
    question("Första frågan", in_period(start))
    with count_queries() as twenty:
        assert run_digests(start, batch_size=5000).sent == 20  # the writer's own is empty
    members(20, 1980)
    later = start + timedelta(days=14)
    question("Andra frågan", in_period(later))
    with count_queries() as two_thousand:
        assert run_digests(later, batch_size=5000).sent == 2000
    assert twenty.count == two_thousand.count, (twenty.statements, two_thousand.statements)
    assert any("body_source" in s for s in two_thousand.statements)  # excerpts are made
    last = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "digest")
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert "Text som blir ett utdrag." in last.body_text
    assert last.body_text.count("/handling/") == 3  # coming on site, online, not coming


@pytest.mark.parametrize("vector", XSS)
def test_every_vector_is_inert_in_digest_excerpts_notification_titles_and_action_pages(
    app, client, create_user, vector
):
    """The vector in a question's title and body: the digest's excerpt, the notification mail
    (which names the title) and the follow page its link opens show it as text, never markup."""
    from hub.digests.run import run_digests

    category = Category(slug="kategori-vektor", name="Vektor", position=4)
    db.session.add(category)
    reader, writer = create_user(name="Läsare"), create_user(name="Skribent")
    db.session.commit()
    db.session.add(Follow(user_id=reader.id, target_type="category", target_id=category.id))
    set_preferences(reader.id, digest_frequency="daily")
    question = questions.create_question(
        writer, title=f"Fråga {vector}", body=f"Inledning. {vector} Slut.",
        category_id=category.id, tag_names=[],
    )  # fmt: skip
    db.session.commit()
    run_digests(utcnow() + timedelta(days=1, hours=1))
    digest = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")).one()
    assert "Inledning." in digest.body_text and inert(digest.body_html), digest.body_html

    answers.create_answer(question, reader, "Ett svar.")
    db.session.commit()
    mail = mail_to(writer)
    assert f"Fråga {vector}"[:40] in mail.body_text  # literal in the text part
    assert inert(mail.body_html), mail.body_html
    (link,) = re.findall(r"http://stafetten\.test/handling/\S+", mail.body_text)
    page = client.get(link.removeprefix("http://stafetten.test"))
    assert page.status_code == 200
    main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert inert(main), main
