"""A network's health figures for its coordinators, with a fixed number of statements.

Every query below loads what the whole network needs at once (grouped by municipality, or the
rows of one network); the sorting out happens in Python. So 3 or 26 municipalities and 100 or
2,000 members cost the same statements. Everything here is a count: the only names are those of
the viewer's own municipality's members who have not been seen (see ``not_seen_names``).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select

from hub.auth.last_seen import today
from hub.auth.models import Invitation, User
from hub.core.db import utcnow
from hub.core.i18n import to_stockholm
from hub.directory.models import Municipality, Profile
from hub.directory.privacy import listed_condition
from hub.extensions import db
from hub.forum.models import Answer, Question
from hub.meetings.models import BatonPass, Meeting, MeetingStatus, Network, Rsvp
from hub.meetings.rotation import active_codes

SEEN_WITHIN_DAYS = 90
UNANSWERED_AFTER = timedelta(days=7)
# A quarter, as the networks' meeting rhythm: recent enough to act on.
QUESTION_WINDOW = timedelta(days=90)
LAST_MEETINGS = 5
YEARS = 5
HANDOVERS = 8


@dataclass
class MunicipalityHealth:
    code: str
    name: str
    listed: int = 0  # shown in the directory
    confirmed: int = 0  # active accounts with a confirmed address
    seen: int = 0  # of the confirmed, those seen in the last 90 days
    pending: int = 0  # invitations not yet used and still valid
    expired: int = 0  # invitations never used that have run out
    attendance: list[int] = field(default_factory=list)  # coming, at each of the last meetings

    @property
    def not_seen(self) -> int:
        return self.confirmed - self.seen


@dataclass(frozen=True)
class MeetingPoint:
    id: int
    title: str
    starts_at: datetime


@dataclass(frozen=True)
class Handover:
    """One holding of the baton and how long it took until a meeting was booked."""

    to_name: str
    passed_at: datetime
    booked_at: datetime | None
    # Until the booking; without one, until the baton went on (or until now, for the holder).
    waited_days: int
    current: bool = False

    @property
    def booked(self) -> bool:
        return self.booked_at is not None


@dataclass
class ForumHealth:
    questions: int = 0  # asked by the network's members in the last 90 days
    unanswered: int = 0  # of those, older than 7 days and still without an answer
    accepted: int = 0  # of those, with an accepted answer
    median_first_answer: timedelta | None = None

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.questions if self.questions else None


@dataclass
class NetworkHealth:
    network: Network
    municipalities: list[MunicipalityHealth]
    last_meetings: list[MeetingPoint]  # oldest first
    meetings_per_year: list[tuple[int, int]]  # (year, held meetings), oldest first
    forum: ForumHealth
    handovers: list[Handover]  # oldest first
    holder_name: str | None
    holder_since: datetime | None
    own: MunicipalityHealth | None = None  # the viewer's municipality, if in the network
    not_seen_names: list[str] = field(default_factory=list)

    @property
    def median_days_to_booking(self) -> float | None:
        days = [h.waited_days for h in self.handovers if h.booked]
        return statistics.median(days) if days else None

    @property
    def totals(self) -> MunicipalityHealth:
        total = MunicipalityHealth(code="", name="")
        for m in self.municipalities:
            for name in ("listed", "confirmed", "seen", "pending", "expired"):
                setattr(total, name, getattr(total, name) + getattr(m, name))
        return total


def network_health(network: Network, viewer: User, now: datetime | None = None) -> NetworkHealth:
    """Every figure of the health page and its CSV."""
    now = now or utcnow()
    codes = active_codes(network.id)
    names = municipality_names(codes)
    municipalities = {code: MunicipalityHealth(code, names.get(code, code)) for code in codes}
    count_members(municipalities, now)
    count_invitations(municipalities, now)
    meetings = network_meetings(network.id)
    held = [m for m in meetings if m.status == MeetingStatus.HELD]
    last = sorted(held, key=lambda m: m.starts_at)[-LAST_MEETINGS:]
    count_attendance(municipalities, [m.id for m in last])
    passes = baton_passes(network.id)
    health = NetworkHealth(
        network=network,
        municipalities=sorted(municipalities.values(), key=lambda m: m.name),
        last_meetings=[MeetingPoint(m.id, m.title, m.starts_at) for m in last],
        meetings_per_year=meetings_per_year(held, now),
        forum=forum_health(codes, now),
        handovers=handovers(passes, meetings, names, now),
        holder_name=names.get(network.baton_holder_code) if network.baton_holder_code else None,
        holder_since=passes[-1].passed_at if passes else None,
    )
    own_code = viewer.municipality_code
    if own_code in municipalities:
        health.own = municipalities[own_code]
        health.not_seen_names = not_seen_names(own_code, now)
    return health


def municipality_names(codes: list[str]) -> dict[str, str]:
    rows = db.session.execute(
        select(Municipality.scb_code, Municipality.name).where(Municipality.scb_code.in_(codes))
    )
    return dict(rows.all())


def seen_since(now: datetime):
    return today(now) - timedelta(days=SEEN_WITHIN_DAYS)


def confirmed_member():
    return and_(User.active.is_(True), User.email_confirmed_at.is_not(None))


def count_members(municipalities: dict[str, MunicipalityHealth], now: datetime) -> None:
    confirmed = confirmed_member()
    rows = db.session.execute(
        select(
            User.municipality_code,
            func.count().filter(listed_condition()),
            func.count().filter(confirmed),
            func.count().filter(confirmed, User.last_seen_on >= seen_since(now)),
        )
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(User.municipality_code.in_(list(municipalities)))
        .group_by(User.municipality_code)
    )
    for code, listed, confirmed_count, seen in rows:
        found = municipalities[code]
        found.listed, found.confirmed, found.seen = listed, confirmed_count, seen


def count_invitations(municipalities: dict[str, MunicipalityHealth], now: datetime) -> None:
    rows = db.session.execute(
        select(
            Invitation.municipality_code,
            func.count().filter(Invitation.expires_at > now),
            func.count().filter(Invitation.expires_at <= now),
        )
        .where(
            Invitation.municipality_code.in_(list(municipalities)),
            Invitation.accepted_at.is_(None),
        )
        .group_by(Invitation.municipality_code)
    )
    for code, pending, expired in rows:
        municipalities[code].pending, municipalities[code].expired = pending, expired


def network_meetings(network_id: int) -> list:
    """All the network's meetings, booked, held or cancelled: a few a year."""
    return list(
        db.session.execute(
            select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.created_at, Meeting.status)
            .where(Meeting.network_id == network_id)
            .order_by(Meeting.created_at, Meeting.id)
        )
    )


def count_attendance(municipalities: dict[str, MunicipalityHealth], meeting_ids: list[int]) -> None:
    """Members who said they would come (on site or online, not on the waiting list)."""
    coming: Counter[tuple[int, str]] = Counter()
    rows = db.session.execute(
        select(Rsvp.meeting_id, User.municipality_code, func.count())
        .join(User, User.id == Rsvp.user_id)
        .where(
            Rsvp.meeting_id.in_(meeting_ids),
            Rsvp.response.in_(("on_site", "online")),
            Rsvp.waitlisted.is_(False),
            User.municipality_code.in_(list(municipalities)),
        )
        .group_by(Rsvp.meeting_id, User.municipality_code)
    )
    for meeting_id, code, number in rows:
        coming[meeting_id, code] = number
    for code, found in municipalities.items():
        found.attendance = [coming[meeting_id, code] for meeting_id in meeting_ids]


def meetings_per_year(held: list, now: datetime) -> list[tuple[int, int]]:
    """Held meetings per calendar year (Stockholm), the last five years, this one included."""
    per_year = Counter(to_stockholm(m.starts_at).year for m in held)
    this_year = to_stockholm(now).year
    return [(year, per_year[year]) for year in range(this_year - YEARS + 1, this_year + 1)]


def forum_health(codes: list[str], now: datetime) -> ForumHealth:
    """Questions the network's members asked in the last 90 days, with their first answer.

    The first answer is a correlated subquery on the (question, created) index of answers: on
    the large data set that costs a third of a GROUP BY over a join of all their answers.
    """
    first_answer = (
        select(func.min(Answer.created_at))
        .where(
            Answer.question_id == Question.id,
            Answer.deleted_at.is_(None),
            Answer.hidden.is_(False),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Question.created_at, Question.accepted_answer_id, first_answer)
        .join(User, User.id == Question.author_id)
        .where(
            User.municipality_code.in_(codes),
            Question.deleted_at.is_(None),
            Question.hidden.is_(False),
            Question.merged_into_id.is_(None),
            Question.created_at >= now - QUESTION_WINDOW,
        )
    ).all()
    waits = []
    health = ForumHealth(questions=len(rows))
    for asked_at, accepted_id, answered_at in rows:
        if accepted_id is not None:
            health.accepted += 1
        if answered_at is not None:
            waits.append(answered_at - asked_at)
        elif asked_at <= now - UNANSWERED_AFTER:
            health.unanswered += 1
    if waits:
        health.median_first_answer = statistics.median(waits)
    return health


def baton_passes(network_id: int) -> list:
    return list(
        db.session.execute(
            select(BatonPass.to_code, BatonPass.passed_at)
            .where(BatonPass.network_id == network_id)
            .order_by(BatonPass.passed_at, BatonPass.id)
        )
    )


def handovers(passes: list, meetings: list, names: dict[str, str], now: datetime) -> list[Handover]:
    """For each of the last holdings: the days from the hand-over to the first meeting booked
    while the municipality held the baton (the current holding counts its days so far)."""
    result = []
    for i, baton_pass in enumerate(passes):
        ends = passes[i + 1].passed_at if i + 1 < len(passes) else None
        booked = next(
            (
                m.created_at
                for m in meetings
                if m.created_at >= baton_pass.passed_at and (ends is None or m.created_at < ends)
            ),
            None,
        )
        waited = (booked or ends or now) - baton_pass.passed_at
        name = names.get(baton_pass.to_code, baton_pass.to_code)
        result.append(Handover(name, baton_pass.passed_at, booked, waited.days, ends is None))
    return result[-HANDOVERS:]


def not_seen_names(code: str, now: datetime) -> list[str]:
    """Listed, confirmed members of the viewer's own municipality not seen in 90 days."""
    return list(
        db.session.scalars(
            select(User.name)
            .outerjoin(Profile, Profile.user_id == User.id)
            .where(User.municipality_code == code, listed_condition(), confirmed_member())
            .where((User.last_seen_on.is_(None)) | (User.last_seen_on < seen_since(now)))
            .order_by(User.name_key, User.id)
        )
    )
