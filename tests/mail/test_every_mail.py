"""Every kind of mail the hub sends, made through the same rules the pages and cron jobs call.

The set of mails is checked against the templates in ``hub/templates/mail``: a new kind of mail
must be added to ``every_mail`` below, or the first test fails. Then:

- the link scanner: every link in every mail is opened with GET, as Microsoft's Safe Links and
  other scanners do before the person reads the mail, and nothing in the database changes;
- every mail a member can stop has a visible unsubscribe and settings link, in both parts;
  account mail has neither the link nor the List-Unsubscribe header.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import template_rendered
from sqlalchemy import select

from hub.announcements.sending import do_send_announcement
from hub.auth import accounts, identities, invitations, join_requests, onboarding
from hub.core.db import utcnow
from hub.digests.run import run_digests
from hub.extensions import db
from hub.forum import answers, questions
from hub.forum.models import Category
from hub.inbound.replies import send_note
from hub.mail.models import OutboxMessage
from hub.mail.notifications import send_notification_emails
from hub.mail.preferences import is_account_mail, set_preferences
from hub.meetings import polls, reminders, rotation, scheduling
from hub.meetings.models import Network
from hub.meetings.participation import do_rsvp
from hub.site.reports import mail_waiting_reports, submit_report

LINK = re.compile(r"http://stafetten\.test/[^\s\"'<>)]+")
MAIL_TEMPLATES = Path(__file__).parents[2] / "hub" / "templates" / "mail"


def mail_kinds() -> set[str]:
    """Every kind of mail there is a template for."""
    return {path.parent.name for path in MAIL_TEMPLATES.glob("*/subject.txt")}


def meeting_data(starts, title: str = "Träff om larm", place: str = "Rum 1"):
    return scheduling.MeetingData(
        title=title, starts_at=starts, ends_at=starts + timedelta(hours=2), place=place
    )


def meeting_mails(network, host, member) -> None:
    """Invitation, update, reminder, cancellation; a meeting nobody marked held (the host is
    asked for minutes, the baton passes to Varberg); the baton reminders; a date poll."""
    meeting = scheduling.create_meeting(
        network, meeting_data(utcnow() + timedelta(days=5)), by=host
    )
    db.session.commit()
    loaded = scheduling.get_meeting_or_404(meeting.id)
    moved = meeting_data(loaded.starts_at + timedelta(hours=1), place="Rum 2")
    scheduling.update_meeting(loaded, moved, by=host)
    do_rsvp(loaded, member, "on_site")
    db.session.commit()
    reminders.run_meeting_reminders(loaded.starts_at - timedelta(days=1))
    scheduling.cancel_meeting(scheduling.get_meeting_or_404(meeting.id), by=host)
    db.session.commit()

    holding = rotation.current_holding(db.session.get(Network, network.id))
    step1, step2 = reminders.baton_due(network, holding.passed_at)
    reminders.run_baton_check(step1)
    reminders.run_baton_check(step2)

    held = scheduling.create_meeting(network, meeting_data(utcnow() + timedelta(days=2)), by=host)
    held.starts_at, held.ends_at = utcnow() - timedelta(hours=30), utcnow() - timedelta(hours=28)
    scheduling.mark_held(held, by=None, now=utcnow(), automatic=True)
    db.session.commit()

    start = utcnow() + timedelta(days=20)
    times = [polls.ProposedTime(start + timedelta(days=d), start + timedelta(days=d, hours=2))
             for d in (0, 7)]  # fmt: skip
    polls.create_poll(network, "Vårträffen", times, by=host)
    db.session.commit()


def forum_mails(app, host, member, coordinator, network) -> None:
    """A question answered (the notification mail with the post's text), an announcement, the
    digest."""
    category = Category(slug="alla-mejl", name="Alla mejl", position=9)
    db.session.add(category)
    db.session.commit()
    question = questions.create_question(
        member, title="Länkar i mejl?", body="Öppnar Safe Links allt?", category_id=category.id,
        tag_names=[],
    )  # fmt: skip
    answers.create_answer(question, host, "Ja, varenda länk.")
    with app.test_request_context():
        do_send_announcement(network, coordinator, "Välkomna till vårens träffar!")
    db.session.commit()
    send_notification_emails(utcnow() + timedelta(seconds=1))
    set_preferences(member.id, digest_frequency="daily")
    db.session.commit()
    run_digests(utcnow() + timedelta(days=1))


def account_mails(app, create_user, member, host, admin) -> None:
    identity = identities.ProviderIdentity(
        protocol="oidc", issuer="https://login.kommun.example", subject="abc-123",
        municipality_code="1381", name=member.name, email=member.email, label="Laholms konto",
        mfa=False,
    )  # fmt: skip
    with app.test_request_context():
        accounts.send_confirmation(create_user(confirmed=False))
        accounts.request_password_reset(member.email)
        accounts.request_login_link(member.email)
        accounts.request_email_change(member, "ny@laholm.se")
        accounts.send_security_notice(member, "password_changed")
        accounts.do_change_email(host, "ny.vard@laholm.se")
        accounts.do_sign_up(
            email=member.email, name="X", password="ett-långt-lösenord-9", municipality_code="1381"
        )
        onboarding.send_welcome(member)
        identities.do_link(member, identity)
        identities.request_link_by_mail(member.email, identity)
        invitations.create_invitations(admin, ["ny.kollega@laholm.se"], "1381")
        db.session.commit()
        invitations.run_invitation_reminders(utcnow() + timedelta(days=4))
    submit_report("Knappen syns inte", None, "/", "127.0.0.1")
    with app.test_request_context():
        ask = join_requests.JoinRequest("Lisa Berg", "lisa@falkenberg.example", "Falkenberg", "")
        join_requests.send_join_request(ask, "127.0.0.1")
    db.session.commit()
    mail_waiting_reports()
    db.session.commit()


@pytest.fixture
def every_mail(app, create_user, create_network):
    """Makes every kind of mail; returns the outbox and the mail templates that were used."""
    coordinator = create_user(name="Sam Ordnare", municipality_code="1380")
    host = create_user(name="Vera Värd", municipality_code="1381")
    member = create_user(name="Mona Medlem", municipality_code="1381")
    create_user(name="Vilma Varberg", municipality_code="1383")  # the baton goes to Varberg
    admin = create_user(role="admin", name="Ada Admin", municipality_code="1380")
    network = create_network(codes=("1381", "1383"), coordinators=[coordinator])
    create_network(codes=("1315",), coordinators=[coordinator])  # nobody in Hylte: stuck
    rotation.ensure_holder(network)
    db.session.commit()

    used: set[str] = set()

    def record(sender, template, context, **extra):
        name = template.name or ""
        if name.startswith("mail/") and name.endswith("/subject.txt"):
            used.add(name.split("/")[1])

    template_rendered.connect(record, app)
    try:
        meeting_mails(network, host, member)
        reminders.run_baton_check(utcnow())  # the Hylte network: nobody to carry the baton
        db.session.commit()
        forum_mails(app, host, member, coordinator, network)
        account_mails(app, create_user, member, host, admin)
        # The short answer to a reply by mail that could not be used (hub.inbound).
        send_note(member, "Det här mejlet går inte att svara på.", "http://stafetten.test/fragor")
        db.session.commit()
    finally:
        template_rendered.disconnect(record, app)
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all(), used


def table_snapshot() -> dict[str, list]:
    """Every row of every table, to compare before and after the scanner."""
    snapshot = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        snapshot[table.name] = sorted(map(repr, rows))
    return snapshot


def test_every_kind_of_mail_is_made_and_the_scanner_changes_nothing(app, client, every_mail):
    mails, used = every_mail
    assert used == mail_kinds(), "a kind of mail the test does not make (add it to every_mail)"
    links = sorted(
        {link.rstrip(".,") for m in mails for link in LINK.findall(m.body_text + m.body_html)}
    )
    for part in ("/handling/", "/avregistrera/", "/datumsvar/", "/installningar/e-post"):
        assert any(part in link for link in links), part
    before = table_snapshot()
    for link in links:
        response = client.get(link.removeprefix("http://stafetten.test"))
        assert response.status_code < 500, link
    assert table_snapshot() == before


def test_every_mail_a_member_can_stop_says_how_and_account_mail_cannot_be_stopped(every_mail):
    mails, _used = every_mail
    for mail in mails:
        unsubscribe = mail.headers.get("List-Unsubscribe")
        if is_account_mail(mail.kind) or mail.user_id is None:
            assert unsubscribe is None, mail.kind
            continue
        url = unsubscribe.strip("<>")
        for part in (mail.body_text, mail.body_html):
            assert url in part, f"{mail.kind}: {mail.subject}"
            assert "http://stafetten.test/installningar/e-post" in part, mail.subject
