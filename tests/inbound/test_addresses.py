"""Addresses that route back: signed, bound to member and thing, surviving key rotation; and
nothing changes without HUB_REPLY_DOMAIN."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from icalendar import Calendar
from sqlalchemy import select

from hub.core.db import utcnow
from hub.extensions import db
from hub.inbound import addresses
from hub.inbound.addresses import BadAddress, address, parse_address, read_token
from hub.mail.models import OutboxMessage
from hub.mail.notifications import send_notification_emails
from hub.mail.outbox import queue_email
from hub.mail.sender import send_batch
from hub.meetings import mailing
from hub.notifications.notify import notify
from tests.inbound.conftest import REPLY_DOMAIN


def test_token_names_member_and_thing_and_fits_a_local_part(replies_on):
    reply = address("svar", 42, "answer", 1234567)
    local, _, domain = reply.partition("@")
    assert domain == REPLY_DOMAIN and local.startswith("svar+") and len(local) <= 64
    assert local == local.lower()
    token = parse_address(reply.upper())  # some systems change the case
    assert (token.purpose, token.user_id, token.target, token.target_id) == (
        "svar", 42, "answer", 1234567)  # fmt: skip


def test_token_survives_key_rotation_and_dies_with_a_dropped_key(replies_on):
    reply = address("svar", 7, "question", 9)
    replies_on.config["SECRET_KEY_FALLBACKS"] = [replies_on.config["SECRET_KEY"]]
    replies_on.config["SECRET_KEY"] = "a-new-key-after-rotation"
    assert parse_address(reply).user_id == 7
    replies_on.config["SECRET_KEY_FALLBACKS"] = []
    with pytest.raises(BadAddress):
        parse_address(reply)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda a: a.replace("svar+", "rsvp+"),  # made for another purpose
        lambda a: a.replace("@" + REPLY_DOMAIN, "@example.test"),
        lambda a: a.replace("svar+", "svar"),
        lambda a: a[:10] + ("a" if a[10] != "a" else "b") + a[11:],  # one character changed
        lambda a: a.replace("svar+", "svar+!!"),
        lambda a: "svar+abc@" + REPLY_DOMAIN,
        lambda a: "okand+" + a.partition("+")[2],
    ],
)
def test_tampered_or_foreign_addresses_are_refused(replies_on, mangle):
    with pytest.raises(BadAddress):
        parse_address(mangle(address("svar", 7, "question", 9)))


def test_token_older_than_two_years_is_refused(replies_on):
    token = addresses.make_token("svar", 7, "question", 9)
    later = utcnow() + timedelta(days=addresses.MAX_AGE_DAYS + 2)
    with mock.patch("hub.inbound.addresses.utcnow", return_value=later), pytest.raises(BadAddress):
        read_token("svar", token)


def test_unknown_target_kind_is_refused(replies_on):
    import base64
    import struct

    payload = struct.pack(">BIIH", 99, 7, 9, 1000)
    mac = addresses._mac(replies_on.config["SECRET_KEY"].encode(), "svar", payload)
    token = base64.b32encode(payload + mac).decode().rstrip("=").lower()
    with pytest.raises(BadAddress):
        read_token("svar", token)
    with pytest.raises(BadAddress):
        read_token("nothing", token)


def loaded(meeting):
    from sqlalchemy.orm import joinedload

    from hub.meetings.models import Meeting

    return db.session.scalars(
        select(Meeting)
        .where(Meeting.id == meeting.id)
        .options(joinedload(Meeting.network), joinedload(Meeting.host))
        .execution_options(populate_existing=True)
    ).one()


def _notification_mail(user, post):
    notify(user.id, "answer", "Anna svarade på din fråga", "/fragor/1", post=post)
    db.session.commit()
    assert send_notification_emails() == 1
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).one()


def test_answer_mail_gets_reply_to_svar_and_says_one_may_reply(replies_on, create_user):
    user = create_user()
    row = _notification_mail(user, ("answer", 5))
    token = parse_address(row.headers["Reply-To"])
    assert (token.user_id, token.target, token.target_id) == (user.id, "answer", 5)
    assert "svara direkt på det här mejlet" in row.body_text


def test_without_reply_domain_nothing_changes(
    app, create_user, create_network, create_meeting, smtp
):
    network = create_network(codes=("1381",))  # before the member: no "you hold the baton" mail
    user = create_user()
    row = _notification_mail(user, ("answer", 5))
    assert "Reply-To" not in row.headers and "svara direkt" not in row.body_text
    meeting = loaded(create_meeting(network))
    part = mailing.calendar_part(meeting, "REQUEST", mailing.Recipient(user.id, user.email, "P"))
    event = Calendar.from_ical(part["data"]).walk("VEVENT")[0]
    assert "rsvp+" not in str(event["ORGANIZER"])
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert send_batch(utcnow(), 10).sent == 1
    assert smtp.envelopes[0][0] == "noreply@stafetten.se"  # the From address, as before


def test_account_mail_keeps_its_from_and_others_name_nothing(replies_on, create_user):
    user = create_user()
    account = queue_email("password_reset", user.email, user_id=user.id, name="P", url="/x")
    other = queue_email("baton_stuck", user.email, kind="baton", user_id=user.id,
                        network_name="N", person=user, url="/natverk/n")  # fmt: skip
    assert "Reply-To" not in account.headers
    assert parse_address(other.headers["Reply-To"]).target == "none"


def test_every_message_has_a_verp_envelope_sender_naming_it(replies_on, create_user, smtp):
    user = create_user()
    row = queue_email("password_reset", user.email, user_id=user.id, name="P", url="/x")
    db.session.commit()
    assert send_batch(utcnow(), 10).sent == 1
    envelope_from = smtp.envelopes[0][0]
    token = parse_address(envelope_from)
    assert (token.purpose, token.target, token.target_id) == ("retur", "outbox", row.id)


def test_invitation_organizer_is_the_members_rsvp_address_and_asks_for_an_answer(
    replies_on, create_user, create_network, create_meeting
):
    user = create_user()
    network = create_network(codes=("1381",))
    meeting = loaded(create_meeting(network))
    part = mailing.calendar_part(meeting, "REQUEST", mailing.Recipient(user.id, user.email, "P"))
    event = Calendar.from_ical(part["data"]).walk("VEVENT")[0]
    organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
    token = parse_address(organizer)
    assert (token.purpose, token.user_id, token.target_id) == ("rsvp", user.id, meeting.id)
    attendee = event["ATTENDEE"]
    assert not isinstance(attendee, list) and str(attendee) == f"mailto:{user.email}"
    assert attendee.params["RSVP"] == "TRUE"
