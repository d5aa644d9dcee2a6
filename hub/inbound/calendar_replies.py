"""``rsvp+`` mail: "Accept" or "Decline" in Outlook (an iTIP REPLY, RFC 5546) sets the RSVP.

ACCEPTED → coming (as before if the member already answered on site or online; else on site
when the meeting has a place, online when it has only a link), DECLINED → not coming,
TENTATIVE → no change, but noted. A reply to an older SEQUENCE than the meeting's is ignored:
the member answered an invitation that has changed since. The change goes through the meetings'
own rule, ``participation.do_rsvp``, like an answer on the page. Outlook's winmail.dat is read
too (``reading.calendar_parts``).
"""

from __future__ import annotations

from icalendar import Calendar

from hub.auth import permissions
from hub.auth.models import User
from hub.extensions import db
from hub.inbound import reading
from hub.inbound.addresses import AddressToken
from hub.inbound.models import Outcome
from hub.inbound.replies import member_for
from hub.inbound.results import Refused, Result
from hub.meetings import participation
from hub.meetings.models import Meeting, MeetingStatus


def handle(message, token: AddressToken) -> Result:
    user = member_for(message, token)
    answer = read_answer(message)
    if answer is None:
        return Result(Outcome.UNUSED, "inget kalendersvar (METHOD:REPLY) i mejlet", user.id)
    status, uid, sequence = answer
    meeting = db.session.get(Meeting, token.target_id) if token.target == "meeting" else None
    if meeting is None or (uid is not None and uid != meeting.uid):
        raise Refused("svaret gäller ingen känd träff (UID)")
    if meeting.status == MeetingStatus.CANCELLED:
        raise Refused("träffen är inställd")
    if not permissions.takes_part_in(user, meeting.network_id):
        raise Refused("medlemmen är inte med i nätverket")
    if sequence < meeting.sequence:
        return Result(Outcome.IGNORED, "svar på en äldre version av inbjudan", user.id)
    if status == "TENTATIVE":
        return Result(Outcome.IGNORED, "preliminärt svar: ingen ändring", user.id)
    if status not in ("ACCEPTED", "DECLINED"):
        return Result(Outcome.UNUSED, f"okänt svar {status or '(inget)'}", user.id)
    response = "not_coming" if status == "DECLINED" else _coming(meeting, user)
    try:
        rsvp = participation.do_rsvp(meeting, user, response)
    except participation.MeetingClosed as error:
        raise Refused("träffen är över") from error
    return Result(Outcome.USED, f"anmälan: {response}", user.id, ("rsvp", rsvp.id))


def read_answer(message) -> tuple[str, str | None, int] | None:
    """(PARTSTAT, UID, SEQUENCE) of the reply. A winmail.dat response names no UID or SEQUENCE:
    the rsvp+ address already says which meeting, and it answers the invitation as it is."""
    event = reply_event(message)
    if event is not None:
        return _partstat(event), str(event.get("UID", "")), _sequence(event)
    status = reading.tnef_response(message)
    return (status, None, 1 << 30) if status else None


def reply_event(message):
    """The VEVENT of the first calendar part whose METHOD is REPLY."""
    for data in reading.calendar_parts(message):
        try:
            calendar = Calendar.from_ical(data)
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        if str(calendar.get("METHOD", "")).upper() != "REPLY":
            continue
        for event in calendar.walk("VEVENT"):
            return event
    return None


def _sequence(event) -> int:
    try:
        return int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        return 0


def _partstat(event) -> str:
    attendee = event.get("ATTENDEE")
    if isinstance(attendee, list):  # one is expected; take the first
        attendee = attendee[0] if attendee else None
    if attendee is None:
        return ""
    return str(attendee.params.get("PARTSTAT", "")).upper()


def _coming(meeting: Meeting, user: User) -> str:
    current = participation.my_rsvp(meeting.id, user)
    if current is not None and current.response in ("on_site", "online"):
        return current.response
    return "online" if meeting.online_url and not meeting.place else "on_site"
