"""Date polls for a network's next meeting: propose 2–6 times, members answer, the holder picks.

Plain functions that flush but never commit. Closing a poll creates the meeting through
``scheduling.create_meeting``, so the usual conflict rules hold; a conditional UPDATE on the poll
makes a double close create one meeting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.rules import Conflict, Forbidden, RuleError
from hub.extensions import db
from hub.mail.outbox import queue_email
from hub.meetings import mailing, scheduling
from hub.meetings.models import DatePoll, DatePollOption, DatePollVote, Meeting, Network

OPEN = "open"
CLOSED = "closed"
CANCELLED = "cancelled"
ANSWERS = ("yes", "maybe", "no")
MIN_TIMES, MAX_TIMES = 2, 6
TOKEN_SALT = "stafetten.date-poll-answer"  # noqa: S105  (a salt, not a secret)
# A link in a poll mail works for as long as a poll is reasonably open.
TOKEN_MAX_AGE_SECONDS = 120 * 24 * 3600
# A poll nobody closes closes itself this long before its first time (people need notice), but
# never before it has been open for a few days, and books a time only if enough said yes.
SETTLE_BEFORE_FIRST = timedelta(days=7)
SETTLE_AT_THE_EARLIEST = timedelta(days=5)
ENOUGH_YES = 2  # a meeting is at least two people
# The times the hub proposes when it opens a poll itself: weeks ahead, a weekday morning.
PROPOSED_WEEKS_AHEAD = (3, 4, 5)
PROPOSED_START, PROPOSED_HOURS = time(10, 0), 2
HUB_POLL_TITLE = "Nästa träff i nätverket"  # stored content, in the network's language


class PollError(RuleError):
    """Bad proposed times or a bad choice: the message goes next to the dates (or the choice)."""

    def __init__(self, message: str, *, field: str = "day_1") -> None:
        super().__init__(message, field=field)


class PollConflict(Conflict):
    """The network already has an open poll or a booked meeting (maybe saved a moment ago)."""

    def __init__(self, message: str | None = None) -> None:
        from flask_babel import gettext as _

        super().__init__(
            message
            or _("Nätverket har redan en bokad träff eller en pågående omröstning om datum.")
        )


class PollClosed(Conflict):
    """The poll is closed or cancelled: no more answers, no second close."""

    def __init__(self, message: str | None = None) -> None:
        from flask_babel import gettext as _

        super().__init__(
            message or _("Omröstningen är avslutad, så det går inte att svara längre.")
        )


class InvalidAnswerLink(RuleError):
    def __init__(self, expired: bool = False) -> None:
        super().__init__(
            _("Länken har redan använts eller gått ut.") if expired else _("Länken fungerar inte")
        )
        self.expired = expired


@dataclass(frozen=True)
class ProposedTime:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class AnswerLink:
    user_id: int
    option_id: int
    answer: str


def check_times(times: list[ProposedTime], now: datetime) -> None:
    from flask_babel import gettext as _

    if not MIN_TIMES <= len(times) <= MAX_TIMES:
        raise PollError(_("Föreslå mellan 2 och 6 tider."))
    if any(t.ends_at <= t.starts_at for t in times):
        raise PollError(_("En tid slutar innan den börjar. Rätta sluttiden."))
    if any(t.starts_at <= now for t in times):
        raise PollError(_("En av tiderna har redan passerat. Välj tider framåt."))
    if len({t.starts_at for t in times}) != len(times):
        raise PollError(_("Samma tid finns med två gånger. Ta bort dubbletten."))


def open_poll_for(network_id: int) -> DatePoll | None:
    return db.session.scalar(
        select(DatePoll)
        .where(DatePoll.network_id == network_id, DatePoll.open_slot.is_not(None))
        .options(selectinload(DatePoll.options))
    )


def get_poll(network: Network, poll_id: int) -> DatePoll | None:
    return db.session.scalar(
        select(DatePoll)
        .where(DatePoll.id == poll_id, DatePoll.network_id == network.id)
        .options(selectinload(DatePoll.options))
    )


def create_poll(
    network: Network,
    title: str,
    times: list[ProposedTime],
    *,
    by: User | None,
    place: str = "",
    now: datetime | None = None,
) -> DatePoll:
    """Open a poll and mail each member of the network the dates with answer links.

    ``by`` None: the hub opened it itself because nobody booked the meeting in time.
    """
    now = now or utcnow()
    check_times(times, now)
    if scheduling.open_meeting(network.id) is not None:
        raise PollConflict
    earlier = open_poll_for(network.id)
    if earlier is not None:
        if any(option.starts_at > now for option in earlier.options):
            raise PollConflict
        claim_close(earlier, CANCELLED, now)  # every time it offered has passed: it is over
    poll = DatePoll(
        network_id=network.id,
        title=title.strip(),
        place=(place or "").strip(),
        status=OPEN,
        open_slot=1,
        created_by_id=by.id if by else None,
        created_at=now,
    )
    poll.options = [ProposedTimeRow(t) for t in sorted(times, key=lambda t: t.starts_at)]
    try:
        with db.session.begin_nested():
            db.session.add(poll)
            db.session.flush()
    except (IntegrityError, OperationalError) as error:
        raise PollConflict from error
    send_poll(network, poll, actor_id=by.id if by else None)
    return poll


def ProposedTimeRow(time: ProposedTime) -> DatePollOption:
    return DatePollOption(starts_at=time.starts_at, ends_at=time.ends_at)


def check_open(poll: DatePoll) -> None:
    if poll.status != OPEN:
        raise PollClosed


def check_may_answer(user: User, network_id: int) -> None:
    """Only those who take part in the network answer: not a member of another network, nor
    someone whose move to one of its municipalities still waits for approval (their old
    answer links stop working too)."""
    from flask_babel import gettext as _

    from hub.auth import permissions

    if not permissions.takes_part_in(user, network_id):
        raise Forbidden(
            _(
                "Du kan inte svara för nätverket just nu. Har du bytt kommun kan du svara "
                "när bytet är godkänt."
            )
        )


def check_answerable(poll: DatePoll, user: User) -> None:
    """PollClosed or Forbidden unless ``user`` may answer ``poll`` now."""
    check_open(poll)
    check_may_answer(user, poll.network_id)


def record_answers(poll: DatePoll, user: User, answers: dict[int, str]) -> None:
    """The member's answer per proposed time (yes / maybe / no); a new answer replaces the old."""
    check_answerable(poll, user)
    option_ids = {option.id for option in poll.options}
    chosen = {oid: a for oid, a in answers.items() if oid in option_ids and a in ANSWERS}
    if not chosen:
        return
    existing = {
        vote.option_id: vote
        for vote in db.session.scalars(
            select(DatePollVote).where(
                DatePollVote.user_id == user.id, DatePollVote.option_id.in_(list(chosen))
            )
        )
    }
    now = utcnow()
    for option_id, answer in chosen.items():
        vote = existing.get(option_id)
        if vote is None:
            try:
                with db.session.begin_nested():
                    db.session.add(
                        DatePollVote(
                            option_id=option_id, user_id=user.id, answer=answer, answered_at=now
                        )
                    )
                    db.session.flush()
            except IntegrityError:  # the same answer sent twice at once: the other one counts
                continue
        else:
            vote.answer, vote.answered_at = answer, now
    db.session.flush()


def counts(poll: DatePoll) -> dict[int, dict[str, int]]:
    """{option id: {"yes": n, "maybe": n, "no": n}} in one statement."""
    result = {option.id: dict.fromkeys(ANSWERS, 0) for option in poll.options}
    rows = db.session.execute(
        select(DatePollVote.option_id, DatePollVote.answer, func.count())
        .where(DatePollVote.option_id.in_(list(result)))
        .group_by(DatePollVote.option_id, DatePollVote.answer)
    )
    for option_id, answer, number in rows:
        result[option_id][answer] = number
    return result


def my_answers(poll: DatePoll, user: User) -> dict[int, str]:
    return dict(
        db.session.execute(
            select(DatePollVote.option_id, DatePollVote.answer).where(
                DatePollVote.user_id == user.id,
                DatePollVote.option_id.in_([option.id for option in poll.options]),
            )
        ).all()
    )


def best_option(poll: DatePoll) -> DatePollOption | None:
    """Most yes, then most maybe, then the earliest: what the holder would pick by default."""
    tally = counts(poll)
    return min(
        poll.options,
        key=lambda o: (-tally[o.id]["yes"], -tally[o.id]["maybe"], o.starts_at),
        default=None,
    )


def claim_close(poll: DatePoll, status: str, now: datetime) -> None:
    """Only one close (or cancel) of a poll wins, also when two people click at once."""
    claimed = db.session.execute(
        update(DatePoll)
        .where(DatePoll.id == poll.id, DatePoll.status == OPEN)
        .values(status=status, open_slot=None, closed_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:
        from flask_babel import gettext as _

        raise PollClosed(_("Omröstningen är redan avslutad – någon hann före dig."))


def close_poll(
    poll: DatePoll, option_id: int, *, by: User | None, now: datetime | None = None
) -> Meeting:
    """Pick a time: the poll closes and the meeting is booked through the scheduling rule.

    Raises PollClosed if someone closed it first, PollConflict if a meeting was booked
    meanwhile; the edge rolls the request back, so nothing is half done.
    """
    now = now or utcnow()
    check_open(poll)
    from flask_babel import gettext as _

    option = next((o for o in poll.options if o.id == option_id), None)
    if option is None:
        raise PollError(_("Välj en av tiderna."), field="option")
    if option.starts_at <= now:
        raise PollError(_("Den tiden har redan passerat. Välj en annan."), field="option")
    claim_close(poll, CLOSED, now)
    network = db.session.get(Network, poll.network_id)
    data = scheduling.MeetingData(
        title=poll.title, starts_at=option.starts_at, ends_at=option.ends_at, place=poll.place
    )
    try:
        meeting = scheduling.create_meeting(network, data, by=by)
    except scheduling.MeetingConflict as error:
        raise PollConflict(
            _("Nätverket har redan en bokad träff. Ställ in den först om den nya tiden ska gälla.")
        ) from error
    poll.meeting_id = meeting.id
    db.session.flush()
    return meeting


def cancel_poll(poll: DatePoll, *, now: datetime | None = None) -> None:
    check_open(poll)
    claim_close(poll, CANCELLED, now or utcnow())


def hub_proposed_times(now: datetime) -> list[ProposedTime]:
    """Weekday mornings three, four and five weeks ahead (Stockholm time)."""
    from hub.meetings.localtime import stockholm_to_utc

    times = []
    for weeks in PROPOSED_WEEKS_AHEAD:
        day = (now + timedelta(weeks=weeks)).date()
        while day.weekday() >= 5:
            day += timedelta(days=1)
        starts = stockholm_to_utc(day, PROPOSED_START)
        times.append(ProposedTime(starts, starts + timedelta(hours=PROPOSED_HOURS)))
    return times


def propose_for_network(network: Network, now: datetime) -> DatePoll | None:
    """Nobody booked the next meeting in time: the hub asks the whole network which dates suit.

    Any member may answer; the poll then books the meeting by itself (``settle_poll``). None when
    the network got a meeting or a poll meanwhile.
    """
    try:
        with db.session.begin_nested():
            return create_poll(network, HUB_POLL_TITLE, hub_proposed_times(now), by=None, now=now)
    except PollConflict:
        return None


def settles_at(poll: DatePoll) -> datetime:
    """When a poll nobody closed closes itself."""
    first = min(option.starts_at for option in poll.options)
    return max(poll.created_at + SETTLE_AT_THE_EARLIEST, first - SETTLE_BEFORE_FIRST)


def due_to_settle(now: datetime) -> list[int]:
    """Open polls that nobody closed in time, in one statement."""
    open_now = db.session.scalars(
        select(DatePoll)
        .where(DatePoll.open_slot.is_not(None))
        .options(selectinload(DatePoll.options))
    )
    return [poll.id for poll in open_now if poll.options and settles_at(poll) <= now]


def settle_poll(poll_id: int, now: datetime) -> Meeting | None:
    """Close a poll nobody closed: the time most said yes to (at least ``ENOUGH_YES``) is booked
    in the name of whoever opened it; with too few yes, or a meeting booked meanwhile, the poll
    is cancelled and the relay's reminders go on. Raises PollClosed if someone closed it first.
    """
    poll = db.session.scalar(
        select(DatePoll)
        .where(DatePoll.id == poll_id)
        .options(selectinload(DatePoll.options), selectinload(DatePoll.created_by))
    )
    check_open(poll)
    tally = counts(poll)
    ahead = [o for o in poll.options if o.starts_at > now and tally[o.id]["yes"] >= ENOUGH_YES]
    best = min(
        ahead,
        key=lambda o: (-tally[o.id]["yes"], -tally[o.id]["maybe"], o.starts_at),
        default=None,
    )
    if best is None or scheduling.open_meeting(poll.network_id) is not None:
        claim_close(poll, CANCELLED, now)
        return None
    return close_poll(poll, best.id, by=poll.created_by, now=now)


def open_polls(network_ids: Iterable[int]) -> list[DatePoll]:
    """Open polls of these networks, for the digest and the start page."""
    ids = list(network_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(DatePoll)
            .where(DatePoll.network_id.in_(ids), DatePoll.open_slot.is_not(None))
            .options(selectinload(DatePoll.options))
            .order_by(DatePoll.created_at)
        )
    )


# Answer links in mail: signed, single-purpose, one per member, time and answer.


def _serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=TOKEN_SALT)


def make_answer_token(user_id: int, option_id: int, answer: str) -> str:
    return _serializer().dumps({"u": user_id, "o": option_id, "a": answer})


def read_answer_token(token: str, max_age: int = TOKEN_MAX_AGE_SECONDS) -> AnswerLink:
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise InvalidAnswerLink(expired=True) from error
    except BadSignature as error:
        raise InvalidAnswerLink() from error
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("u"), int)
        or not isinstance(data.get("o"), int)
        or data.get("a") not in ANSWERS
    ):
        raise InvalidAnswerLink()
    return AnswerLink(user_id=data["u"], option_id=data["o"], answer=data["a"])


def answer_url(user_id: int, option_id: int, answer: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/datumsvar/{make_answer_token(user_id, option_id, answer)}"


def send_poll(network: Network, poll: DatePoll, *, actor_id: int | None = None) -> int:
    """One mail per member of the network: the proposed times, each with yes/maybe/no links."""
    from flask_babel import gettext as _

    from hub.notifications.notify import notify

    url = f"{mailing.network_url(network)}/datum"
    text = _("Vilka datum passar dig? %(title)s", title=poll.title)
    people = mailing.network_recipients(network.id)
    for person in people:
        rows = [
            (option, {a: answer_url(person.id, option.id, a) for a in ANSWERS})
            for option in poll.options
        ]
        queue_email(
            "date_poll",
            person.email,
            kind="meeting_poll",
            user_id=person.id,
            network_name=network.name,
            poll=poll,
            rows=rows,
            person=person,
            url=url,
        )
        # The poll mail is the mail about it: the notice shows in the hub only.
        notify(person.id, "meeting", text[:300], url, actor_id=actor_id, mailed=True)
    return len(people)
