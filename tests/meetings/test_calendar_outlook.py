"""Calendar files and mail as Outlook and libical need them.

libical (Debian's, compiled into a small checker) reads every kind of file the hub serves or mails
(download, network feed, personal feed, REQUEST, CANCEL) on both sides of the March and October
changes and must report nothing; the mail carries the calendar inline, one ATTENDEE, a real
ORGANIZER; the VTIMEZONE has RRULEs for both changes.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from icalendar import Calendar

from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.sender import send_batch
from hub.meetings import rotation, scheduling
from hub.meetings.calendar import feed_ics, meeting_ics
from hub.meetings.localtime import stockholm_to_utc
from tests.mail.helpers import smtp_server
from tests.meetings.libical import libical_errors

# The days around the changes of 2026 and 2027: summer time ends 25 October 2026 and starts
# 28 March 2027 (the last Sundays); Outlook's guess from a VTIMEZONE without RRULEs went wrong on
# exactly such days.
DAYS = [date(2026, 10, 24), date(2026, 10, 26), date(2027, 3, 27), date(2027, 3, 29)]


@pytest.fixture
def network(create_network):
    network = create_network(codes=("1381", "1383"))
    rotation.ensure_holder(network)
    db.session.commit()
    return network


@pytest.fixture
def smtp(app):
    with smtp_server() as (handler, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
        yield handler


def make_meetings(network, create_meeting):
    # One network has one open meeting at a time: the others are held or cancelled.
    statuses = ["held", "cancelled", "held", "scheduled"]
    meetings = [
        create_meeting(
            network,
            starts_at=stockholm_to_utc(day, time(10)),
            title=f"Träff {day}",
            status=status,
        )
        for day, status in zip(DAYS, statuses, strict=True)
    ]
    return [scheduling.get_meeting_or_404(m.id) for m in meetings]


def test_libical_reports_nothing_on_any_file_we_serve_or_mail(
    network, create_meeting, ical_checker
):
    meetings = make_meetings(network, create_meeting)
    files = {"feed": feed_ics("Nätverket", meetings)}
    for meeting in meetings:
        files[f"download {meeting.title}"] = meeting_ics(meeting)
        attendee = ("Anna Andersson", "anna@laholm.se")
        method = "CANCEL" if meeting.status == "cancelled" else "REQUEST"
        files[f"{method} {meeting.title}"] = meeting_ics(meeting, method=method, attendee=attendee)
    for name, ics in files.items():
        assert libical_errors(ical_checker, ics) == [], name


def test_the_checker_does_find_problems(ical_checker):
    broken = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//SV\r\nMETHOD:REQUEST\r\n"
        b"BEGIN:VEVENT\r\nUID:1@x\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T100000Z\r\n"
        b"SUMMARY:Utan ORGANIZER och ATTENDEE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert libical_errors(ical_checker, broken)


def test_feeds_and_downloads_over_http_pass_libical(
    client, network, create_meeting, create_user, login, ical_checker
):
    meetings = make_meetings(network, create_meeting)
    login(create_user(municipality_code="1381"))
    paths = [f"/natverk/{network.slug}/traffar.ics", *(f"/traffar/{m.id}.ics" for m in meetings)]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert libical_errors(ical_checker, response.data) == [], path


def test_vtimezone_has_rrules_for_both_changes(network, create_meeting):
    meeting = make_meetings(network, create_meeting)[0]
    calendar = Calendar.from_ical(meeting_ics(meeting))
    [timezone] = calendar.walk("VTIMEZONE")
    rules = {}
    for part in timezone.subcomponents:
        assert "RDATE" not in part
        rules[part.name] = dict(part["RRULE"])
    assert rules["DAYLIGHT"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert rules["STANDARD"] == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    offsets = {p.name: p.decoded("TZOFFSETTO") for p in timezone.subcomponents}
    assert offsets == {"DAYLIGHT": timedelta(hours=2), "STANDARD": timedelta(hours=1)}


def test_cancelled_meetings_in_feeds_are_free_time_and_say_so(network, create_meeting):
    meetings = make_meetings(network, create_meeting)
    calendar = Calendar.from_ical(feed_ics("Nätverket", meetings))
    by_uid = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    cancelled, kept = by_uid[meetings[1].uid], by_uid[meetings[0].uid]
    assert str(cancelled["STATUS"]) == "CANCELLED" and str(cancelled["TRANSP"]) == "TRANSPARENT"
    assert str(cancelled["SUMMARY"]) == f"Inställd: {meetings[1].title}"
    assert str(kept["TRANSP"]) == "OPAQUE" and str(kept["SUMMARY"]) == meetings[0].title


def test_invitation_mail_carries_the_meeting_inline_for_its_one_recipient(
    app, smtp, network, create_user, ical_checker
):
    app.config["MAIL_ORGANIZER"] = "Hallands nätverk <natverket@halland.example>"
    host = create_user(municipality_code="1381", name="Vera Värd")
    members = [create_user(municipality_code="1383", name=f"Medlem {n}") for n in range(2)]
    starts = stockholm_to_utc(date(2026, 10, 26), time(9))
    data = scheduling.MeetingData(
        title="Höstträff", starts_at=starts, ends_at=starts + timedelta(hours=2), place="Varberg"
    )
    meeting = scheduling.create_meeting(network, data, by=host)
    db.session.commit()
    scheduling.cancel_meeting(scheduling.get_meeting_or_404(meeting.id), by=host)
    db.session.commit()
    send_batch(utcnow(), 50)

    for person in members:
        mine = [m for m in smtp.messages if m["To"] == person.email]
        assert len(mine) == 2
        for message, method in zip(mine, ("REQUEST", "CANCEL"), strict=True):
            assert message.get_content_type() == "multipart/alternative"
            parts = list(message.iter_parts())
            assert [p.get_content_type() for p in parts] == [
                "text/plain",
                "text/html",
                "text/calendar",
            ]
            part = parts[2]
            assert part.get_param("method") == method
            assert part.get_content_disposition() is None  # inline, not a file
            ics = part.get_content().encode()
            assert libical_errors(ical_checker, ics) == []
            calendar = Calendar.from_ical(ics)
            assert str(calendar["METHOD"]) == method
            [event] = calendar.walk("VEVENT")
            attendees = event.get("ATTENDEE")
            assert not isinstance(attendees, list), "one ATTENDEE, never a list"
            assert str(attendees) == f"mailto:{person.email}"
            assert attendees.params["RSVP"] == "FALSE"
            assert str(attendees.params["CN"]) == person.name
            assert str(event["ORGANIZER"]) == "mailto:natverket@halland.example"
            others = {m.email for m in members if m is not person}
            assert not any(address in ics.decode() for address in others)
