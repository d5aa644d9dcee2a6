"""``rsvp+`` mail: Outlook's and Google Calendar's answers set the RSVP through the meetings'
rule."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.inbound.models import Outcome
from hub.meetings.models import Rsvp
from tests.inbound.make_fixtures import UID


@pytest.fixture
def meeting(member, create_network, create_meeting):
    network = create_network(codes=("1381",))
    found = create_meeting(network)
    found.uid = UID
    db.session.commit()
    return found


def rsvp_of(meeting, user):
    return db.session.scalar(
        select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user.id)
    )


def test_outlook_accept_sets_coming(deliver, member, meeting):
    result = deliver("itip_outlook_accept.eml", "rsvp", member.id, "meeting", meeting.id)
    assert result.outcome == Outcome.USED, result.reason
    assert rsvp_of(meeting, member).response == "on_site"


def test_accept_keeps_an_earlier_online_answer(deliver, member, meeting):
    from hub.meetings.participation import do_rsvp

    do_rsvp(meeting, member, "online")
    db.session.commit()
    deliver("itip_outlook_accept.eml", "rsvp", member.id, "meeting", meeting.id)
    assert rsvp_of(meeting, member).response == "online"


def test_accept_of_an_online_only_meeting_is_online(deliver, member, meeting):
    meeting.place = ""
    meeting.online_url = "https://meet.example/abc"
    db.session.commit()
    deliver("itip_outlook_accept.eml", "rsvp", member.id, "meeting", meeting.id)
    assert rsvp_of(meeting, member).response == "online"


def test_google_calendar_decline_sets_not_coming(deliver, create_user, meeting):
    sara = create_user(email="sara.holm@gmail.com", name="Sara Holm")
    result = deliver("itip_google_decline.eml", "rsvp", sara.id, "meeting", meeting.id)
    assert result.outcome == Outcome.USED, result.reason
    assert rsvp_of(meeting, sara).response == "not_coming"


def test_tentative_changes_nothing_but_is_noted(deliver, member, meeting):
    result = deliver("itip_outlook_tentative.eml", "rsvp", member.id, "meeting", meeting.id)
    assert result.outcome == Outcome.IGNORED and "preliminärt" in result.reason
    assert rsvp_of(meeting, member) is None


def test_outlook_winmail_dat_accept_counts(deliver, member, meeting):
    result = deliver("winmail_accept.eml", "rsvp", member.id, "meeting", meeting.id)
    assert result.outcome == Outcome.USED, result.reason
    assert rsvp_of(meeting, member).response == "on_site"


def test_reply_to_an_older_sequence_is_ignored(deliver, member, meeting):
    meeting.sequence = 2
    db.session.commit()
    result = deliver("itip_outlook_accept.eml", "rsvp", member.id, "meeting", meeting.id)
    assert result.outcome == Outcome.IGNORED and "äldre" in result.reason
    assert rsvp_of(meeting, member) is None


def test_reply_for_a_cancelled_meeting_is_refused(deliver, member, meeting):
    meeting.status = "cancelled"
    meeting.open_slot = None
    db.session.commit()
    result = deliver("itip_outlook_accept.eml", "rsvp", member.id, "meeting", meeting.id)
    assert result.outcome == Outcome.REFUSED and "inställd" in result.reason


def test_reply_with_an_unknown_uid_is_refused(deliver, create_user, meeting):
    sara = create_user(email="sara.holm@gmail.com", name="Sara Holm")
    result = deliver("itip_google_decline.eml", "rsvp", sara.id, "meeting", meeting.id,
                     **{f"UID:{UID}": "UID:nagon-annan@example.test"})  # fmt: skip
    assert result.outcome == Outcome.REFUSED and "UID" in result.reason
    assert rsvp_of(meeting, sara) is None


def test_forged_calendar_reply_is_refused(deliver, create_user, meeting):
    other = create_user(email="annan@laholm.se")
    result = deliver("itip_outlook_accept.eml", "rsvp", other.id, "meeting", meeting.id)
    assert result.outcome == Outcome.REFUSED


def test_plain_text_to_the_rsvp_address_is_kept_with_the_reason(deliver, member, meeting):
    result = deliver("outlook_sv.eml", "rsvp", member.id, "meeting", meeting.id)
    assert result.outcome == Outcome.UNUSED and "METHOD:REPLY" in result.reason


def test_reply_after_the_meeting_is_over_is_refused(deliver, member, meeting):
    from datetime import timedelta

    from hub.core.db import utcnow

    meeting.starts_at = utcnow() - timedelta(days=2)
    meeting.ends_at = utcnow() - timedelta(days=2, hours=-2)
    db.session.commit()
    result = deliver("itip_outlook_accept.eml", "rsvp", member.id, "meeting", meeting.id)
    assert result.outcome == Outcome.REFUSED and "över" in result.reason
