"""iCalendar files and feeds for meetings (RFC 5545, with the icalendar library).

Times carry TZID=Europe/Stockholm and a VTIMEZONE, so Outlook and Google show the right hour on
both sides of a daylight-saving change. Files never name participants: no ATTENDEE lines at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from hub.core.i18n import STOCKHOLM
from hub.meetings.models import Meeting

PRODID = "-//Stafetten//Träffar//SV"
ALARM_BEFORE = timedelta(hours=1)


def meeting_url(meeting: Meeting) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/traffar/{meeting.id}"


def organizer_address() -> tuple[str, str]:
    """Name and address of the sender, taken from MAIL_DEFAULT_SENDER."""
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or "Stafetten <noreply@stafetten.se>"
    if "<" in sender:
        name, _, rest = sender.partition("<")
        return name.strip() or "Stafetten", rest.rstrip(">").strip()
    return "Stafetten", sender.strip()


def meeting_event(
    meeting: Meeting, *, with_organizer: bool = False, online_link: bool = True
) -> Event:
    """One VEVENT; ``meeting.network`` and ``meeting.host`` must be loaded. The online link
    only for those who take part in the network (``permissions.takes_part_in``)."""
    online_url = meeting.online_url if online_link else ""
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("dtstart", meeting.starts_at.astimezone(STOCKHOLM))
    event.add("dtend", meeting.ends_at.astimezone(STOCKHOLM))
    event.add("summary", meeting.title)
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
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if with_organizer:
        name, address = organizer_address()
        organizer = vCalAddress(f"mailto:{address}")
        organizer.params["cn"] = vText(name)
        event.add("organizer", organizer)
    if meeting.status != "cancelled":
        event.add_component(reminder_alarm(meeting.title))
    return event


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


def finish(calendar: Calendar) -> bytes:
    calendar.add_missing_timezones()
    return calendar.to_ical()


def meeting_ics(meeting: Meeting, *, method: str = "PUBLISH", online_link: bool = True) -> bytes:
    """A single meeting: ``PUBLISH`` to download, ``REQUEST``/``CANCEL`` for invitation emails."""
    calendar = new_calendar(meeting.title, method)
    event = meeting_event(meeting, with_organizer=method != "PUBLISH", online_link=online_link)
    calendar.add_component(event)
    return finish(calendar)


def feed_ics(name: str, meetings: Iterable[Meeting], *, online_links: bool = True) -> bytes:
    """A subscribable feed; cancelled meetings stay in it with STATUS:CANCELLED."""
    calendar = new_calendar(name, "PUBLISH")
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, online_link=online_links))
    return finish(calendar)
