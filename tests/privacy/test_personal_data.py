"""GDPR: a member's export holds every row about them and nothing about others; deleting the
account leaves no trace of their name or address in any text column."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import String, Text, func, select

from hub.announcements.models import Announcement
from hub.auth.models import ExternalIdentity, Invitation, RecoveryCode
from hub.core.db import utcnow
from hub.core.models import Tag, user_expertise
from hub.digests.models import Digest
from hub.directory.models import MunicipalityChange, Profile, profile_care_area
from hub.extensions import db
from hub.forum.models import (
    Answer,
    AskToAnswer,
    Category,
    Comment,
    Flag,
    Follow,
    HelpfulMark,
    ModerationLog,
    Question,
    Revision,
)
from hub.inbound.models import InboundMessage
from hub.mail.models import MailPreference, OutboxMessage, SuppressedAddress
from hub.meetings.models import (
    BatonPass,
    CalendarToken,
    DatePoll,
    DatePollOption,
    DatePollVote,
    Meeting,
    MeetingReminder,
    Rsvp,
    TopicSuggestion,
    TopicVote,
    network_coordinator,
)
from hub.notifications.models import Notification
from hub.privacy.personal_data import personal_tables
from tests.conftest import csrf_token
from tests.factories import PASSWORD


def material_rows(person, peer) -> list:
    """A how-to page by the person with a file, a revision and the peer's helpful mark, and
    the person's mark on nothing else (the library's tables)."""
    from hub.material.models import (
        MaterialFeedToken,
        MaterialFile,
        MaterialHelpful,
        MaterialItem,
        MaterialRevision,
    )

    item = MaterialItem(
        kind="howto", title=f"Lathund av {person.name}", licence="cc-by", author_id=person.id
    )
    db.session.add(item)
    db.session.flush()
    return [
        MaterialFile(
            item_id=item.id,
            role="main",
            storage_key=f"00/{person.id}.pdf",
            filename="guide.pdf",
            content_type="application/pdf",
            size=1,
            sha256="",
            uploaded_by_id=person.id,
        ),
        MaterialRevision(item_id=item.id, editor_id=person.id, title="Förr", body_source="x"),
        MaterialHelpful(item_id=item.id, user_id=person.id),
        MaterialFeedToken(user_id=person.id, token_hash=f"hash-{person.id}"),
    ]


def add_personal_rows(user, other, network) -> None:
    """One row of every kind that can be about a member, for ``user`` and for ``other``."""
    category = Category(slug="kat", name="Kategori")
    tag = Tag(slug="lasplattor", name="läsplattor")
    db.session.add_all([category, tag])
    db.session.flush()
    for person, peer in ((user, other), (other, user)):
        question = Question(
            author_id=person.id,
            category_id=category.id,
            title=f"Fråga från {person.name}",
            body_source="Hur gör ni?",
            body_html="<p>Hur gör ni?</p>",
        )
        db.session.add(question)
        db.session.flush()
        answer = Answer(
            question_id=question.id,
            author_id=peer.id,
            body_source=f"Hej {person.name}!",
            body_html=f"<p>Hej {person.name}!</p>",
        )
        db.session.add(answer)
        db.session.add(MunicipalityChange(user_id=person.id, from_code="1381", to_code="1383"))
        db.session.flush()
        meeting = Meeting(
            network_id=network.id,
            host_code="1381",
            title=f"Träff bokad av {person.name}",
            starts_at=utcnow() + timedelta(days=10),
            ends_at=utcnow() + timedelta(days=10, hours=2),
            uid=f"meeting-{person.id}@stafetten.se",
            created_by_id=person.id,
        )
        db.session.add(meeting)
        db.session.flush()
        db.session.add_all(
            [
                Comment(answer_id=answer.id, author_id=person.id, body="Tack!"),
                Follow(user_id=person.id, target_type="question", target_id=question.id),
                Notification(
                    user_id=person.id,
                    actor_id=peer.id,
                    kind="answer",
                    text=f"{peer.name} svarade på din fråga",
                    url=f"/fragor/{question.id}",
                ),
                OutboxMessage(
                    kind="notification",
                    user_id=person.id,
                    to_address=person.email,
                    subject="Nytt svar",
                    body_text=f"Hej {person.name}",
                    body_html=f"<p>Hej {person.name}</p>",
                ),
                Rsvp(meeting_id=meeting.id, user_id=person.id, response="on_site"),
                MailPreference(user_id=person.id, digest_frequency="daily"),
                Digest(user_id=person.id, period_key="daily:2026-11-23", item_count=3),
                BatonPass(
                    network_id=network.id,
                    to_code="1381",
                    reason_kind="passed_on",
                    by_user_id=person.id,
                ),
                Invitation(
                    email=f"inbjuden{person.id}@laholm.se",
                    token_hash=f"{person.id:064d}",
                    invited_by_id=person.id,
                    expires_at=utcnow() + timedelta(days=14),
                ),
                RecoveryCode(user_id=person.id, code_hash=f"{person.id:064x}"),
                *material_rows(person, peer),
                Announcement(
                    network_id=network.id,
                    author_id=person.id,
                    body_source="Hej nätverket!",
                    body_html="<p>Hej nätverket!</p>",
                ),
                ExternalIdentity(
                    user_id=person.id,
                    protocol="oidc",
                    issuer="https://login.microsoftonline.com/laholm/v2.0",
                    subject=f"oid-{person.id}",
                    label=person.email,
                ),
                # Forum: revisions, helpful marks, flags, moderation and "be någon svara".
                Revision(
                    target_type="answer",
                    target_id=answer.id,
                    editor_id=person.id,
                    body_source="Tidigare text",
                ),
                HelpfulMark(answer_id=answer.id, user_id=person.id),
                Flag(
                    target_type="question",
                    target_id=question.id,
                    question_id=question.id,
                    reporter_id=person.id,
                    resolved_by_id=person.id,
                    reason="Dubblett",
                ),
                ModerationLog(
                    actor_id=person.id,
                    action="lock",
                    target_type="question",
                    target_id=question.id,
                    question_id=question.id,
                    reason="Löst",
                ),
                AskToAnswer(question_id=question.id, asked_user_id=person.id, asked_by_id=peer.id),
                MeetingReminder(meeting_id=meeting.id, user_id=person.id),
                CalendarToken(user_id=person.id, token=f"hemlig-{person.id}"),
                InboundMessage(
                    message_key=f"<svar-{person.id}@laholm.se>",
                    from_address=person.email,
                    user_id=person.id,
                    raw=f"From: {person.name} <{person.email}>\r\n\r\nTack!".encode(),
                ),
                SuppressedAddress(email=person.email, user_id=person.id, reason="5.1.1"),
            ]
        )
        topic = TopicSuggestion(
            meeting_id=meeting.id, user_id=person.id, text=f"Ämne från {person.name}"
        )
        db.session.add(topic)
        db.session.flush()
        db.session.add(TopicVote(suggestion_id=topic.id, user_id=peer.id))
        poll = DatePoll(network_id=network.id, title="Vårträffen", created_by_id=person.id)
        poll.options = [
            DatePollOption(starts_at=utcnow() + timedelta(days=30),
                           ends_at=utcnow() + timedelta(days=30, hours=2))
        ]  # fmt: skip
        db.session.add(poll)
        db.session.flush()
        db.session.add(DatePollVote(option_id=poll.options[0].id, user_id=person.id, answer="yes"))
        db.session.execute(user_expertise.insert().values(user_id=person.id, tag_id=tag.id))
        db.session.add(
            Profile(
                user_id=person.id,
                workplace="Solgläntan",
                presentation_source=f"Jag heter {person.name}.",
                presentation_html=f"<p>Jag heter {person.name}.</p>",
                work_phone="0430-123 45",
            )
        )
        db.session.flush()
        db.session.execute(
            profile_care_area.insert().values(user_id=person.id, care_area_slug="aldreomsorg")
        )
        db.session.execute(
            network_coordinator.insert().values(user_id=person.id, network_id=network.id)
        )
    db.session.commit()


@pytest.fixture
def two_members(create_user, create_network):
    user = create_user(name="Greta Raderasson", email="greta.raderasson@laholm.se")
    other = create_user(name="Olle Kvarblivare", email="olle.kvarblivare@varberg.se")
    add_personal_rows(user, other, create_network())
    return user, other


def test_every_table_with_personal_data_is_covered_here(app, two_members):
    user, _other = two_members
    exported = export_of(user.id)
    missing = {table.name for table, _ in personal_tables()} - set(exported)
    assert not missing, f"add rows for {missing} to add_personal_rows"


def export_of(user_id: int) -> dict:
    from hub.privacy.personal_data import export_member

    return export_member(user_id)


def test_export_holds_the_members_rows_and_nothing_about_others(two_members):
    user, other = two_members
    exported = json.dumps(export_of(user.id), ensure_ascii=False)
    assert "greta.raderasson@laholm.se" in exported
    assert "olle.kvarblivare@varberg.se" not in exported
    assert other.name not in exported
    assert f'"user_id": {other.id}' not in exported
    assert "password_hash" not in exported


def test_member_downloads_their_data_as_json_and_as_a_page(client, login, two_members):
    user, _other = two_members
    login(user)
    page = client.get("/installningar/mina-uppgifter")
    assert page.status_code == 200 and "Frågor" in page.text
    download = client.get("/installningar/mina-uppgifter.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.json["user"][0]["email"] == user.email


def text_columns_containing(*needles: str) -> list[str]:
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            for needle in needles:
                hits = db.session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(column.contains(needle, autoescape=True))
                )
                if hits:
                    found.append(f"{table.name}.{column.name}")
    return found


def delete_own_account(client, login, user, posts: str):
    login(user)
    token = csrf_token(client.get("/installningar/mina-uppgifter").text)
    return client.post(
        "/installningar/mina-uppgifter/radera",
        data={"posts": posts, "password": PASSWORD, "csrf_token": token},
    )


def test_deleting_the_account_leaves_no_personal_data(client, login, two_members):
    user, _other = two_members
    user_id = user.id
    response = delete_own_account(client, login, user, posts="keep")
    assert response.status_code == 302
    assert text_columns_containing("Greta Raderasson", "greta.raderasson@laholm.se") == []
    kept = db.session.scalars(select(Question).where(Question.title.contains("borttagen medlem")))
    assert [q.author_id for q in kept] == [None]  # the post stays, anonymous
    assert (
        db.session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.user_id == user_id))
        == 0
    )
    assert text_columns_containing("Olle Kvarblivare")  # the other member is untouched


def test_deleting_with_posts_removes_them_too(client, login, two_members):
    user, _other = two_members
    delete_own_account(client, login, user, posts="delete")
    asked = db.session.scalars(select(Question).where(Question.deleted_at.is_not(None))).all()
    assert len(asked) == 1 and asked[0].body_source == ""


def test_wrong_password_keeps_the_account(client, login, two_members):
    user, _other = two_members
    login(user)
    token = csrf_token(client.get("/installningar/mina-uppgifter").text)
    response = client.post(
        "/installningar/mina-uppgifter/radera",
        data={"posts": "keep", "password": "fel-lösenord-helt-klart", "csrf_token": token},
    )
    assert response.status_code == 400
    assert "Lösenordet stämmer inte." in response.text
    assert db.session.get(type(user), user.id) is not None


def test_admin_deletes_on_request_and_others_cannot(client, login, create_user, two_members):
    user, other = two_members
    login(other)
    assert client.get(f"/admin/konton/{user.id}/radera").status_code == 403
    admin = create_user(role="admin")
    login(admin)
    assert client.get(f"/admin/konton/{user.id}/uppgifter.json").json["user"][0]["id"] == user.id
    token = csrf_token(client.get(f"/admin/konton/{user.id}/radera").text)
    response = client.post(
        f"/admin/konton/{user.id}/radera", data={"posts": "keep", "csrf_token": token}
    )
    assert response.status_code == 302
    assert text_columns_containing("greta.raderasson@laholm.se") == []


def test_my_data_reads_as_plain_swedish_with_every_kind_named(client, login, two_members):
    """#21: headings and labels in words, plain dates, no database names; the file to download."""
    from hub.privacy.readable import KIND_LABELS
    from tests.language import html_problems

    user, _other = two_members
    unnamed = {table.name for table, _ in personal_tables()} - set(KIND_LABELS)
    assert not unnamed, f"give {unnamed} a heading in hub/privacy/readable.py"
    login(user)
    page = client.get("/installningar/mina-uppgifter").text
    assert html_problems(page) == []
    assert "<h2" in page and "Konto" in page and "E-postadress" in page
    assert re.search(r"\d{1,2} [a-zåäö]+ \d{4} kl\. \d\d:\d\d", page), "a plain date and time"
    assert "created_at" not in page and "password_hash" not in page
    assert "Ladda ner allt som en fil" in page
