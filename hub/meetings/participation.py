"""RSVP with an optional capacity and waiting list, topic suggestions with +1, the attendee list."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.rules import Conflict
from hub.directory.privacy import see_person
from hub.extensions import db
from hub.forum.search_items import reindex_meeting
from hub.meetings import mailing
from hub.meetings.models import Meeting, MeetingStatus, Rsvp, TopicSuggestion, TopicVote

RESPONSES = ("on_site", "online", "not_coming")


class MeetingClosed(Conflict):
    """RSVP or suggestions for a meeting that is cancelled or already over."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(_("Någon annan hann före, eller så är det låst."))
        self.detail = detail


@dataclass
class RsvpCounts:
    on_site: int = 0
    online: int = 0
    not_coming: int = 0
    waitlisted: int = 0

    @property
    def coming(self) -> int:
        return self.on_site + self.online


@dataclass
class TopicRow:
    suggestion: TopicSuggestion
    votes: int
    voted: bool
    author_name: str = ""


def check_open(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.SCHEDULED or meeting.ends_at <= utcnow():
        raise MeetingClosed(meeting.status)


def rsvp_counts(meeting_id: int) -> RsvpCounts:
    counts = RsvpCounts()
    rows = db.session.execute(
        select(Rsvp.response, Rsvp.waitlisted, func.count())
        .where(Rsvp.meeting_id == meeting_id)
        .group_by(Rsvp.response, Rsvp.waitlisted)
    )
    for response, waitlisted, number in rows:
        if waitlisted:
            counts.waitlisted += number
        elif response in RESPONSES:
            setattr(counts, response, getattr(counts, response) + number)
    return counts


def places_taken(meeting_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Rsvp.meeting_id == meeting_id, Rsvp.response == "on_site", Rsvp.waitlisted.is_(False)
        )
    )


def do_rsvp(meeting: Meeting, user: User, response: str) -> Rsvp:
    """Answer or change one's answer. On site beyond the capacity goes to the waiting list; a
    place freed by someone else goes to the first on the waiting list."""
    if response not in RESPONSES:
        raise ValueError(response)
    check_open(meeting)
    if meeting.capacity is not None:
        # Two answers at once must not both take the last place (PostgreSQL row lock; SQLite
        # already serialises writers with BEGIN IMMEDIATE).
        db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    rsvp = db.session.scalar(
        select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user.id)
    )
    freed = rsvp is not None and rsvp.response == "on_site" and not rsvp.waitlisted
    if rsvp is None:
        rsvp = Rsvp(meeting_id=meeting.id, user_id=user.id, response=response, created_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(rsvp)
                db.session.flush()
        except IntegrityError:  # a double click: the other request saved the answer first
            rsvp = db.session.scalar(
                select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user.id)
            )
    elif rsvp.response != response:
        rsvp.response = response
        rsvp.created_at = utcnow()  # a changed answer joins the end of any waiting list
    if response == "on_site" and not freed:
        rsvp.waitlisted = False
        db.session.flush()
        if meeting.capacity is not None and places_taken(meeting.id) > meeting.capacity:
            rsvp.waitlisted = True
    elif response != "on_site":
        rsvp.waitlisted = False
    db.session.flush()
    if freed and response != "on_site":
        fill_free_places(meeting)
    return rsvp


def fill_free_places(meeting: Meeting) -> list[int]:
    """Promote from the waiting list, first come first served, while there are free places."""
    promoted: list[int] = []
    if meeting.capacity is None:
        waiting = db.session.scalars(
            select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.waitlisted)
        ).all()
    else:
        free = meeting.capacity - places_taken(meeting.id)
        if free <= 0:
            return promoted
        waiting = db.session.scalars(
            select(Rsvp)
            .where(Rsvp.meeting_id == meeting.id, Rsvp.waitlisted)
            .order_by(Rsvp.created_at, Rsvp.id)
            .limit(free)
        ).all()
    for rsvp in waiting:
        rsvp.waitlisted = False
        promoted.append(rsvp.user_id)
        mailing.send_promotion(meeting, rsvp.user_id)
    db.session.flush()
    return promoted


def my_rsvp(meeting_id: int, user: User) -> Rsvp | None:
    return db.session.scalar(
        select(Rsvp).where(Rsvp.meeting_id == meeting_id, Rsvp.user_id == user.id)
    )


def attendee_list(meeting_id: int) -> list[Rsvp]:
    return list(
        db.session.scalars(
            select(Rsvp)
            .where(Rsvp.meeting_id == meeting_id)
            .options(
                joinedload(Rsvp.user).joinedload(User.municipality),
                joinedload(Rsvp.user).joinedload(User.profile),
            )
            .order_by(Rsvp.response, Rsvp.waitlisted, Rsvp.created_at, Rsvp.id)
        )
    )


RESPONSE_LABELS = {
    "on_site": _l("På plats"),
    "online": _l("Digitalt"),
    "not_coming": _l("Kommer inte"),
}


def csv_cell(value: object) -> str:
    """Cells that a spreadsheet would run as a formula get a leading apostrophe."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r", "|", "%"):
        return "'" + text
    return text


def attendees_csv(meeting_id: int, viewer: User) -> str:
    """The attendee list as CSV; each e-mail only if the person lets ``viewer`` see it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Namn"), _("E-post"), _("Kommun"), _("Svar"), _("Väntelista"), _("Svarade")])
    for rsvp in attendee_list(meeting_id):
        user = rsvp.user
        writer.writerow(
            [
                csv_cell(user.name),
                csv_cell(see_person(viewer, user).email),
                csv_cell(user.municipality.name if user.municipality else ""),
                csv_cell(str(RESPONSE_LABELS[rsvp.response])),
                _("Ja") if rsvp.waitlisted else _("Nej"),
                rsvp.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            ]
        )
    # A byte order mark so that Excel opens the Swedish letters correctly.
    return "\ufeff" + out.getvalue()


def add_topic(meeting: Meeting, user: User, text: str) -> TopicSuggestion:
    check_open(meeting)
    suggestion = TopicSuggestion(
        meeting_id=meeting.id, user_id=user.id, text=text.strip(), created_at=utcnow()
    )
    db.session.add(suggestion)
    reindex_meeting(meeting.id)  # flushes
    return suggestion


def get_topic(meeting: Meeting, suggestion_id: int) -> TopicSuggestion | None:
    return db.session.scalar(
        select(TopicSuggestion).where(
            TopicSuggestion.id == suggestion_id, TopicSuggestion.meeting_id == meeting.id
        )
    )


def vote_topic(meeting: Meeting, suggestion: TopicSuggestion, user: User) -> bool:
    """+1 once per member; a second +1 is ignored. Returns whether a vote was added."""
    check_open(meeting)
    try:
        with db.session.begin_nested():
            db.session.add(TopicVote(suggestion_id=suggestion.id, user_id=user.id))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def topic_rows(meeting_id: int, user: User) -> list[TopicRow]:
    """Suggestions with their +1 count and whether this person gave one: two statements."""
    votes = (
        select(TopicVote.suggestion_id, func.count().label("n"))
        .group_by(TopicVote.suggestion_id)
        .subquery()
    )
    rows = db.session.execute(
        select(TopicSuggestion, func.coalesce(votes.c.n, 0), User.name)
        .outerjoin(votes, votes.c.suggestion_id == TopicSuggestion.id)
        .outerjoin(User, User.id == TopicSuggestion.user_id)
        .where(TopicSuggestion.meeting_id == meeting_id)
        .order_by(func.coalesce(votes.c.n, 0).desc(), TopicSuggestion.id)
    ).all()
    mine = set(
        db.session.scalars(
            select(TopicVote.suggestion_id)
            .join(TopicSuggestion, TopicSuggestion.id == TopicVote.suggestion_id)
            .where(TopicSuggestion.meeting_id == meeting_id, TopicVote.user_id == user.id)
        )
    )
    return [
        TopicRow(suggestion=s, votes=n, voted=s.id in mine, author_name=name or "")
        for s, n, name in rows
    ]
