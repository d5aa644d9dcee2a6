"""iCalendar output parsed back: UIDs, SEQUENCE, cancellation, time zones across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from hub.auth.models import Role
from hub.extensions import db
from hub.mail.models import OutboxMessage
from hub.meetings import rotation, scheduling
from hub.meetings.calendar import feed_ics, meeting_ics
from hub.meetings.localtime import NonexistentLocalTime, stockholm_to_utc

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def network(create_network):
    network = create_network(codes=("1381", "1383"))
    rotation.ensure_holder(network)
    db.session.commit()
    return network


def events(ics: bytes):
    calendar = Calendar.from_ical(ics)
    return calendar, list(calendar.walk("VEVENT"))


def loaded(meeting):
    return scheduling.get_meeting_or_404(meeting.id)


def test_stockholm_times_across_dst_changes():
    # October 2026: back to CET (UTC+1) on the 25th; March 2027: CEST (UTC+2) from the 28th.
    assert stockholm_to_utc(date(2026, 10, 25), time(10)) == datetime(2026, 10, 25, 9, tzinfo=UTC)
    assert stockholm_to_utc(date(2026, 10, 24), time(10)) == datetime(2026, 10, 24, 8, tzinfo=UTC)
    assert stockholm_to_utc(date(2027, 3, 28), time(10)) == datetime(2027, 3, 28, 8, tzinfo=UTC)
    assert stockholm_to_utc(date(2027, 3, 27), time(10)) == datetime(2027, 3, 27, 9, tzinfo=UTC)
    # The autumn hour that happens twice: the first (summer time) occurrence.
    assert stockholm_to_utc(date(2026, 10, 25), time(2, 30)) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    with pytest.raises(NonexistentLocalTime):
        stockholm_to_utc(date(2027, 3, 28), time(2, 30))


@pytest.mark.parametrize(
    ("day", "utc_hour"), [(date(2026, 10, 25), 9), (date(2027, 3, 28), 8)], ids=["oct", "mar"]
)
def test_ics_keeps_stockholm_wall_clock_with_vtimezone(network, create_meeting, day, utc_hour):
    starts = stockholm_to_utc(day, time(10))
    assert starts.hour == utc_hour
    meeting = loaded(create_meeting(network, starts_at=starts, hours=2))
    calendar, [event] = events(meeting_ics(meeting))
    assert b"DTSTART;TZID=Europe/Stockholm:" + day.strftime("%Y%m%d").encode() + b"T100000" in (
        meeting_ics(meeting)
    )
    start = event.decoded("dtstart")
    assert start.replace(tzinfo=None) == datetime.combine(day, time(10))
    assert str(start.tzinfo) == "Europe/Stockholm"
    assert start.astimezone(UTC) == starts
    assert event.decoded("dtend").astimezone(UTC) == starts + timedelta(hours=2)
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Europe/Stockholm"
    assert {c.name for c in timezone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_single_meeting_file_has_name_alarm_and_no_attendees(network, create_meeting, create_user):
    meeting = create_meeting(network, online_url="https://teams.example/abc")
    create_user(email="person@laholm.se")
    ics = meeting_ics(loaded(meeting))
    calendar, [event] = events(ics)
    assert str(calendar["X-WR-CALNAME"]) == meeting.title
    assert str(event["UID"]) == meeting.uid
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert b"ATTENDEE" not in ics and b"@laholm.se" not in ics
    assert "https://teams.example/abc" in str(event["LOCATION"])


def test_update_keeps_uid_and_raises_sequence_cancel_stays_in_feed(
    network, create_meeting, create_user
):
    host = create_user(municipality_code="1381", email="host@laholm.se")
    member = create_user(municipality_code="1383", email="member@varberg.se")
    meeting = loaded(create_meeting(network))
    uid = meeting.uid
    data = scheduling.MeetingData(
        title="Flyttad träff",
        starts_at=meeting.starts_at + timedelta(days=1),
        ends_at=meeting.ends_at + timedelta(days=1),
        place="Nytt rum",
    )
    assert scheduling.update_meeting(meeting, data, by=host)
    _calendar, [event] = events(meeting_ics(meeting))
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 1
    assert str(event["SUMMARY"]) == "Flyttad träff"

    update = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.to_address == member.email)
    ).one()
    [attachment] = update.attachments
    assert "method=REQUEST" in attachment["content_type"]
    mail_calendar, [mail_event] = events(attachment["data"].encode())
    assert str(mail_calendar["METHOD"]) == "REQUEST"
    assert str(mail_event["UID"]) == uid and mail_event["SEQUENCE"] == 1
    assert "ORGANIZER" in mail_event
    assert str(mail_event["ATTENDEE"]) == f"mailto:{member.email}"  # the one recipient only
    assert host.email not in attachment["data"]

    scheduling.cancel_meeting(meeting, by=host, message="Sjukdom")
    db.session.commit()
    cancellation = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.to_address == member.email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    mail_calendar, [mail_event] = events(cancellation.attachments[0]["data"].encode())
    assert str(mail_calendar["METHOD"]) == "CANCEL"
    assert str(mail_event["STATUS"]) == "CANCELLED" and mail_event["SEQUENCE"] == 2
    assert "Sjukdom" in cancellation.body_text

    feed_calendar, [feed_event] = events(feed_ics("Nätverk", [loaded(meeting)]))
    assert str(feed_event["UID"]) == uid
    assert str(feed_event["STATUS"]) == "CANCELLED" and feed_event["SEQUENCE"] == 2
    assert str(feed_calendar["X-WR-CALNAME"]) == "Nätverk"


def test_network_feed_needs_sign_in(client, network, create_meeting, create_user, login):
    meeting = create_meeting(network)
    assert client.get(f"/natverk/{network.slug}/traffar.ics").status_code == 302
    login(create_user())
    response = client.get(f"/natverk/{network.slug}/traffar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar, [event] = events(response.data)
    assert str(event["UID"]) == meeting.uid
    assert str(calendar["X-WR-CALNAME"]) == network.name
    assert client.get(f"/traffar/{meeting.id}.ics").status_code == 200


def test_personal_feed_by_token_and_renewal(client, network, create_meeting, create_user, login):
    from tests.conftest import csrf_token

    other = create_network_for_feed(create_meeting)
    meeting = create_meeting(network)
    user = create_user(municipality_code="1381")
    login(user)
    page = client.get("/installningar/kalender")
    assert page.status_code == 200 and "/kalender/" not in page.text
    assert "Kalender" in client.get("/installningar").text
    client.post("/installningar/kalender", data={"csrf_token": csrf_token(page.text)})
    page = client.get("/installningar/kalender")
    url = next(part for part in page.text.split('"') if "/kalender/" in part and ".ics" in part)
    path = url.split("stafetten.test", 1)[-1]
    client.post("/logga-ut", data={"csrf_token": csrf_token(page.text)})

    response = client.get(path)  # no sign-in: the token is the secret
    assert response.status_code == 200
    _calendar, found = events(response.data)
    assert [str(e["UID"]) for e in found] == [meeting.uid]  # not the other network's meeting
    assert other.uid not in response.text

    login(user)
    page = client.get("/installningar/kalender")
    client.post("/installningar/kalender", data={"csrf_token": csrf_token(page.text)})
    assert client.get(path).status_code == 404
    assert client.get("/kalender/fel-token.ics").status_code == 404


def create_network_for_feed(create_meeting):
    from hub.meetings.models import Network, NetworkMunicipality

    network = Network(slug="stockholm-test", name="Stockholm")
    network.members = [NetworkMunicipality(municipality_code="0180", position=0)]
    network.baton_holder_code = "0180"
    db.session.add(network)
    db.session.commit()
    return create_meeting(network, host_code="0180")


def test_coordinator_feed_includes_coordinated_networks(app, create_network, create_user):
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="0180")
    network = create_network(codes=("1381",), coordinators=[coordinator])
    assert network.id in scheduling.user_network_ids(coordinator)
