"""iCalendar files and feeds for meetings (RFC 5545, with the icalendar library).

Times carry TZID=Europe/Stockholm and a VTIMEZONE whose changes are RRULEs (last Sunday of March
and of October): Outlook ignores RDATEs and would guess the rule from DTSTART instead, an hour off
for weeks each spring and autumn. Downloads and feeds never name participants; a mailed REQUEST or
CANCEL names its one recipient as the ATTENDEE (RFC 5546 requires one), never a list.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from icalendar import (
    Alarm,
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vRecur,
    vText,
)

from hub.core.i18n import STOCKHOLM
from hub.meetings.models import Meeting, MeetingStatus

NO_REPLY = ("noreply", "no-reply", "donotreply", "do-not-reply")

PRODID = "-//Stafetten//Träffar//SV"
ALARM_BEFORE = timedelta(hours=1)


def meeting_url(meeting: Meeting) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/traffar/{meeting.id}"


def organizer_address() -> tuple[str, str]:
    """Name and address of the meetings' organizer: MAIL_ORGANIZER, else the sender.

    It must be a mailbox someone reads (production refuses a no-reply address): Outlook shows it
    as the organizer and, once replies come back, answers go there.
    """
    config = current_app.config
    sender = config.get("MAIL_ORGANIZER") or config.get("MAIL_DEFAULT_SENDER") or ""
    if "<" in sender:
        name, _, rest = sender.partition("<")
        return name.strip() or "Stafetten", rest.rstrip(">").strip()
    return "Stafetten", sender.strip()


def is_no_reply(address: str) -> bool:
    return address.partition("@")[0].lower() in NO_REPLY


def meeting_summary(meeting: Meeting) -> str:
    """The title; a cancelled meeting says so, since calendars that keep it show only this."""
    if meeting.status == MeetingStatus.CANCELLED:
        return _("Inställd: %(title)s", title=meeting.title)
    return meeting.title


def meeting_event(
    meeting: Meeting,
    *,
    attendee: tuple[str, str] | None = None,
    online_link: bool = True,
    reply_to: str | None = None,
) -> Event:
    """One VEVENT; ``meeting.network`` and ``meeting.host`` must be loaded.

    ``attendee`` (name, address): the one recipient of a mailed REQUEST or CANCEL. The online
    link only for those who take part in the network (``permissions.takes_part_in``).
    ``reply_to``: the organizer's address for this recipient (``rsvp+…``), where Outlook's
    "Accept" goes when replies come back to the hub (hub.inbound.calendar_replies).
    """
    cancelled = meeting.status == MeetingStatus.CANCELLED
    online_url = meeting.online_url if online_link else ""
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("dtstart", meeting.starts_at.astimezone(STOCKHOLM))
    event.add("dtend", meeting.ends_at.astimezone(STOCKHOLM))
    event.add("summary", meeting_summary(meeting))
    location = ", ".join(part for part in (meeting.place, online_url) if part)
    if location:
        event.add("location", location)
    url = meeting_url(meeting)
    event.add("url", url)
    description = [
        _("%(network)s – värd: %(host)s", network=meeting.network.name, host=meeting.host.name)
    ]
    if online_url:
        description.append(_("Digitalt möte: %(url)s", url=online_url))
    if meeting.agenda_source:
        description.append(meeting.agenda_source)
    description.append(url)
    event.add("description", "\n\n".join(description))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # A cancelled meeting kept in a feed must not block the time as busy.
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    # RFC 5546 wants an ORGANIZER in PUBLISH as well as in REQUEST and CANCEL.
    name, address = organizer_address()
    organizer = vCalAddress(f"mailto:{reply_to or address}")
    organizer.params["cn"] = vText(name)
    event.add("organizer", organizer)
    if attendee is not None:
        event.add("attendee", attendee_address(*attendee))
    if not cancelled:
        event.add_component(reminder_alarm(meeting.title))
    return event


def attendee_address(name: str, address: str) -> vCalAddress:
    """The recipient. RSVP=FALSE until replies by mail come back to the hub; then TRUE."""
    attendee = vCalAddress(f"mailto:{address}")
    attendee.params["cn"] = vText(name)
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "NEEDS-ACTION"
    config = current_app.config
    answers_come_back = config.get("CALENDAR_RSVP") or config.get("REPLY_DOMAIN")
    attendee.params["rsvp"] = "TRUE" if answers_come_back else "FALSE"
    return attendee


def reminder_alarm(title: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", -ALARM_BEFORE)
    return alarm


def new_calendar(name: str, method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add("x-wr-calname", " ".join(name.split()))  # one line, whatever was stored
    calendar.add("x-wr-timezone", "Europe/Stockholm")
    return calendar


def stockholm_timezone() -> Timezone:
    """Europe/Stockholm as Outlook reads it: one STANDARD and one DAYLIGHT rule (EU since 1996)."""
    timezone = Timezone()
    timezone.add("tzid", "Europe/Stockholm")
    timezone.add("x-lic-location", "Europe/Stockholm")
    for part, name, start, offsets, month in (
        # Local wall-clock times, as RFC 5545 wants DTSTART in a VTIMEZONE.
        (TimezoneDaylight(), "CEST", datetime(1981, 3, 29, 2), (1, 2), 3),  # noqa: DTZ001
        (TimezoneStandard(), "CET", datetime(1996, 10, 27, 3), (2, 1), 10),  # noqa: DTZ001
    ):
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("tzoffsetfrom", timedelta(hours=offsets[0]))
        part.add("tzoffsetto", timedelta(hours=offsets[1]))
        part.add("rrule", vRecur(freq="YEARLY", bymonth=month, byday="-1SU"))
        timezone.add_component(part)
    return timezone


def finish(calendar: Calendar) -> bytes:
    # Every time in our files is Stockholm time (see meeting_event).
    calendar.add_component(stockholm_timezone())
    return calendar.to_ical()


def meeting_ics(
    meeting: Meeting,
    *,
    method: str = "PUBLISH",
    attendee: tuple[str, str] | None = None,
    online_link: bool = True,
    reply_to: str | None = None,
) -> bytes:
    """A single meeting: ``PUBLISH`` to download; ``REQUEST``/``CANCEL`` for the mail to one
    recipient, ``attendee`` (name, address), whose answer goes to ``reply_to``."""
    calendar = new_calendar(meeting.title, method)
    event = meeting_event(meeting, attendee=attendee, online_link=online_link, reply_to=reply_to)
    calendar.add_component(event)
    return finish(calendar)


def feed_ics(name: str, meetings: Iterable[Meeting], *, online_links: bool = True) -> bytes:
    """A subscribable feed; cancelled meetings stay in it (CANCELLED, TRANSPARENT, "Inställd:")."""
    calendar = new_calendar(name, "PUBLISH")
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, online_link=online_links))
    return finish(calendar)
