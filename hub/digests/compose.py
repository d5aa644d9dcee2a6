"""Composing digests for a batch of members with a fixed number of queries, whatever its size.

Every query below loads what the whole batch needs (``… WHERE user_id IN (batch)``); the sorting
out per member happens in Python. So 10 or 1,000 members cost the same dozen statements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, false, func, literal_column, or_, select

from hub.auth.models import User
from hub.core.models import Tag, user_expertise
from hub.digests.schedule import Period
from hub.directory.models import Municipality, Profile
from hub.directory.privacy import listed_condition
from hub.extensions import db
from hub.forum.models import Answer, Follow, Question, question_tag
from hub.forum.posttext import excerpt, post_texts
from hub.mail.preferences import DIGEST, topic_for_notification
from hub.meetings.models import Meeting, MeetingStatus, Network, NetworkMunicipality, Rsvp
from hub.notifications.models import Notification

MAX_NEW_QUESTIONS = 10
MAX_CAN_ANSWER = 5
MAX_ACTIVITY = 10
MAX_NOTIFICATIONS = 20
MAX_NEW_MATERIAL = 5
UNANSWERED_WINDOW = timedelta(days=30)
UNANSWERED_POOL = 500
MEETING_HORIZON = timedelta(days=60)
MAX_MEETINGS_PER_NETWORK = 3
MAX_MEETINGS = 6
MAX_NEWCOMERS = 10


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    email: str
    municipality_code: str | None
    prefs: dict[str, str]
    locale: str = "sv"


@dataclass
class QuestionItem:
    id: int
    title: str
    created_at: datetime
    answer_count: int
    tags: list[str] = field(default_factory=list)
    excerpt: str = ""
    author_name: str | None = None


@dataclass
class ActivityItem:
    question_id: int
    title: str
    answers: int
    authors: list[str] = field(default_factory=list)  # who wrote the new answers


@dataclass
class NotificationItem:
    id: int
    text: str
    url: str
    created_at: datetime
    excerpt: str = ""
    author_name: str | None = None


@dataclass
class MeetingItem:
    id: int
    title: str
    starts_at: datetime
    place: str
    online: bool
    network_name: str
    host_name: str
    created_at: datetime
    rsvp: str | None = None
    ends_at: datetime | None = None  # the mail's answer links are valid until then


@dataclass
class NewcomerItem:
    """A member whose account was confirmed in the period, listed in the directory."""

    id: int
    name: str
    title: str
    municipality_name: str


@dataclass
class BatonItem:
    network_name: str
    network_slug: str
    holder_name: str | None
    next_meeting: MeetingItem | None
    open_poll: str | None = None  # the title of an open date poll: members are asked to answer
    passed_after_silence: bool = False  # in this period, because nobody answered the reminders


@dataclass
class MaterialDigestItem:
    id: int
    title: str
    kind: str


@dataclass
class DigestContent:
    member: Member
    period: Period
    new_questions: list[QuestionItem] = field(default_factory=list)
    can_answer: list[QuestionItem] = field(default_factory=list)
    activity: list[ActivityItem] = field(default_factory=list)
    notifications: list[NotificationItem] = field(default_factory=list)
    meetings: list[MeetingItem] = field(default_factory=list)
    batons: list[BatonItem] = field(default_factory=list)
    material: list[MaterialDigestItem] = field(default_factory=list)
    newcomers: list[NewcomerItem] = field(default_factory=list)  # weekly digests only

    @property
    def news_count(self) -> int:
        """What is new in the period. Upcoming meetings and the baton are context, unless a
        meeting was booked in the period or is coming up before the next digest."""
        period, step = self.period, self.period.ends_at - self.period.starts_at
        fresh_meetings = [
            m
            for m in self.meetings
            if m.created_at >= period.starts_at or m.starts_at < period.ends_at + step
        ]
        fresh_answerable = [q for q in self.can_answer if q.created_at >= period.starts_at]
        relay_news = [b for b in self.batons if b.open_poll or b.passed_after_silence]
        return (
            len(relay_news)
            + len(self.new_questions)
            + len(self.activity)
            + len(self.notifications)
            + len(fresh_answerable)
            + len(fresh_meetings)
            + len(self.material)
            + len(self.newcomers)
        )

    @property
    def is_empty(self) -> bool:
        return self.news_count == 0


def visible_question():
    # ``hidden = false``, as the partial indexes' condition has it (not ``IS false``, which they
    # do not match: hub/forum/models.py).
    return and_(
        Question.deleted_at.is_(None), Question.hidden == false(), Question.merged_into_id.is_(None)
    )


def compose_batch(members: list[Member], period: Period) -> list[DigestContent]:
    """One digest per member for the period ending at ``period.ends_at``."""
    ids = [m.id for m in members]
    since, until = period.starts_at, period.ends_at
    contents = {m.id: DigestContent(member=m, period=period) for m in members}

    follows = _load_follows(ids)
    expertise = _load_expertise(ids)
    all_cats = {t for f in follows.values() for t in f["category"]}
    all_tags = {t for f in follows.values() for t in f["tag"]}
    all_followed_questions = {t for f in follows.values() for t in f["question"]}
    all_expertise = {t for tags in expertise.values() for t in tags}

    new_questions = _load_new_questions(since, until, all_cats, all_tags)
    unanswered = _load_unanswered(until, all_expertise)
    tags_by_question = _load_question_tags({q["id"] for q in new_questions + unanswered})
    activity = _load_activity(since, until, all_followed_questions)
    notifications = _load_notifications(ids, until)
    networks_by_code, meetings, rsvps, relay = _load_meetings(ids, members, since, until)
    new_material = _load_new_material(since, until)
    newcomers = _load_newcomers(networks_by_code, period)

    # Indexes, so each member's share is found by lookups rather than by scanning every question.
    tag_ids = {qid: {t for t, _ in tags} for qid, tags in tags_by_question.items()}
    new_by_category, new_by_tag = defaultdict(set), defaultdict(set)
    for q in new_questions:
        new_by_category[q["category_id"]].add(q["id"])
        for t in tag_ids.get(q["id"], ()):
            new_by_tag[t].add(q["id"])
    unanswered_by_tag = defaultdict(set)
    for q in unanswered:
        for t in tag_ids.get(q["id"], ()):
            unanswered_by_tag[t].add(q["id"])
    questions = {q["id"]: q for q in new_questions + unanswered}
    activity_by_question = defaultdict(list)
    for row in activity:
        activity_by_question[row[0]].append(row)

    for member in members:
        content = contents[member.id]
        mine = follows.get(member.id, {"category": set(), "tag": set(), "question": set()})
        found = set().union(
            *(new_by_category.get(c, ()) for c in mine["category"]),
            *(new_by_tag.get(t, ()) for t in mine["tag"]),
        )
        content.new_questions = _pick(
            found, questions, member.id, tags_by_question, MAX_NEW_QUESTIONS
        )
        shown = {q.id for q in content.new_questions}
        skills = expertise.get(member.id, set())
        answerable = set().union(*(unanswered_by_tag.get(t, ()) for t in skills)) - shown
        content.can_answer = _pick(
            answerable, questions, member.id, tags_by_question, MAX_CAN_ANSWER
        )
        content.activity = _member_activity(activity_by_question, mine["question"], member.id)
        content.notifications = [
            n
            for kind, n in notifications.get(member.id, [])
            if member.prefs.get(topic_for_notification(kind)) == DIGEST
        ][:MAX_NOTIFICATIONS]
        _add_meetings(content, networks_by_code, meetings, rsvps, relay)
        content.material = new_material
        content.newcomers = [
            item
            for item, network_ids in newcomers
            if item.id != member.id and network_ids & member_networks(member, networks_by_code)
        ][:MAX_NEWCOMERS]
    return [contents[m.id] for m in members]


def _load_new_material(since: datetime, until: datetime) -> list[MaterialDigestItem]:
    """New in the library for everyone (the same for every member: one statement per batch)."""
    from hub.material.items import newest_items

    return [
        MaterialDigestItem(item.id, item.title, item.kind)
        for item in newest_items(MAX_NEW_MATERIAL, since=since, until=until)
    ]


def _pick(ids: set[int], questions: dict, member_id: int, tags_by_question: dict, limit: int):
    """The newest of the given questions that the member did not ask, as digest items."""
    chosen = sorted(
        (questions[i] for i in ids if questions[i]["author_id"] != member_id),
        key=lambda q: q["created_at"],
        reverse=True,
    )[:limit]
    return [_question_item(q, tags_by_question) for q in chosen]


def _question_item(q: dict, tags_by_question: dict) -> QuestionItem:
    return QuestionItem(
        id=q["id"],
        title=q["title"],
        created_at=q["created_at"],
        answer_count=q["answer_count"],
        tags=[name for _, name in tags_by_question.get(q["id"], [])],
        excerpt=q["excerpt"],
        author_name=q["author_name"],
    )


def _load_follows(ids: list[int]) -> dict[int, dict[str, set[int]]]:
    result: dict[int, dict[str, set[int]]] = defaultdict(
        lambda: {"category": set(), "tag": set(), "question": set()}
    )
    rows = db.session.execute(
        select(Follow.user_id, Follow.target_type, Follow.target_id).where(Follow.user_id.in_(ids))
    )
    for user_id, target_type, target_id in rows:
        if target_type in ("category", "tag", "question"):
            result[user_id][target_type].add(target_id)
    return result


def _load_expertise(ids: list[int]) -> dict[int, set[int]]:
    result: dict[int, set[int]] = defaultdict(set)
    rows = db.session.execute(
        select(user_expertise.c.user_id, user_expertise.c.tag_id).where(
            user_expertise.c.user_id.in_(ids)
        )
    )
    for user_id, tag_id in rows:
        result[user_id].add(tag_id)
    return result


QUESTION_COLUMNS = (
    Question.id,
    Question.title,
    Question.category_id,
    Question.author_id,
    Question.created_at,
    Question.answer_count,
    Question.body_source,
    User.name.label("author_name"),
)


def _question_rows(query) -> list[dict]:
    """Rows with the author's name and an excerpt, made once per question for the whole batch."""
    rows = []
    for row in db.session.execute(query.outerjoin(User, User.id == Question.author_id)):
        found = dict(row._mapping)
        found["excerpt"] = excerpt(found.pop("body_source"))
        rows.append(found)
    return rows


def _load_new_questions(
    since: datetime, until: datetime, categories: set[int], tags: set[int]
) -> list[dict]:
    tagged = exists().where(
        question_tag.c.question_id == Question.id, question_tag.c.tag_id.in_(tags)
    )
    return _question_rows(
        select(*QUESTION_COLUMNS)
        .where(visible_question(), Question.created_at >= since, Question.created_at < until)
        .where(or_(Question.category_id.in_(categories), tagged))
        .order_by(Question.created_at.desc())
    )


def _load_unanswered(until: datetime, tags: set[int]) -> list[dict]:
    tagged = exists().where(
        question_tag.c.question_id == Question.id, question_tag.c.tag_id.in_(tags)
    )
    return _question_rows(
        select(*QUESTION_COLUMNS)
        # the 0 written in, so that the partial index of the unanswered serves (migration 0051)
        .where(visible_question(), Question.answer_count == literal_column("0"))
        .where(Question.locked.is_(False))
        .where(Question.created_at >= until - UNANSWERED_WINDOW, Question.created_at < until)
        .where(tagged)
        .order_by(Question.created_at.desc())
        .limit(UNANSWERED_POOL)
    )


def _load_question_tags(question_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    result: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = db.session.execute(
        select(question_tag.c.question_id, Tag.id, Tag.name)
        .join(Tag, Tag.id == question_tag.c.tag_id)
        .where(question_tag.c.question_id.in_(question_ids))
        .order_by(Tag.name)
    )
    for question_id, tag_id, name in rows:
        result[question_id].append((tag_id, name))
    return result


def _load_activity(since: datetime, until: datetime, question_ids: set[int]) -> list:
    return list(
        db.session.execute(
            select(
                Answer.question_id,
                Question.title,
                Answer.author_id,
                func.count(Answer.id),
                User.name,
            )
            .join(Question, Question.id == Answer.question_id)
            .outerjoin(User, User.id == Answer.author_id)
            .where(Answer.question_id.in_(question_ids), visible_question())
            .where(Answer.created_at >= since, Answer.created_at < until)
            .where(Answer.deleted_at.is_(None), Answer.hidden.is_(False))
            .group_by(Answer.question_id, Question.title, Answer.author_id, User.name)
            .order_by(Answer.question_id)
        )
    )


def _member_activity(by_question: dict, followed: set[int], member_id: int) -> list[ActivityItem]:
    counts: dict[int, ActivityItem] = {}
    for followed_id in sorted(followed):
        for question_id, title, author_id, count, name in by_question.get(followed_id, ()):
            if author_id != member_id:
                item = counts.setdefault(question_id, ActivityItem(question_id, title, 0))
                item.answers += count
                if name and name not in item.authors:
                    item.authors.append(name)
    return list(counts.values())[:MAX_ACTIVITY]


def _load_notifications(ids: list[int], until: datetime) -> dict[int, list]:
    result: dict[int, list] = defaultdict(list)
    rows = db.session.execute(
        select(
            Notification.id,
            Notification.user_id,
            Notification.kind,
            Notification.text,
            Notification.url,
            Notification.created_at,
            Notification.post_type,
            Notification.post_id,
        )
        .where(Notification.user_id.in_(ids), Notification.emailed_at.is_(None))
        .where(
            Notification.created_at < until, Notification.created_at >= until - UNANSWERED_WINDOW
        )
        .order_by(Notification.created_at.desc())
    ).all()
    posts = post_texts((row.post_type, row.post_id) for row in rows)
    excerpts = {ref: excerpt(post.source) for ref, post in posts.items()}
    for nid, user_id, kind, text, url, created_at, post_type, post_id in rows:
        item = NotificationItem(nid, text, url, created_at)
        post = posts.get((post_type, post_id))
        if post is not None:
            item.excerpt, item.author_name = excerpts[(post_type, post_id)], post.author_name
        result[user_id].append((kind, item))
    return result


def _load_meetings(ids: list[int], members: list[Member], since: datetime, until: datetime):
    codes = {m.municipality_code for m in members if m.municipality_code}
    holder = db.aliased(Municipality)
    networks_by_code: dict[str, list] = defaultdict(list)
    rows = db.session.execute(
        select(
            NetworkMunicipality.municipality_code,
            Network.id,
            Network.name,
            Network.slug,
            holder.name,
        )
        .join(Network, Network.id == NetworkMunicipality.network_id)
        .outerjoin(holder, holder.scb_code == Network.baton_holder_code)
        .where(
            NetworkMunicipality.municipality_code.in_(codes), NetworkMunicipality.active.is_(True)
        )
        .order_by(Network.name)
    )
    network_ids = set()
    for code, network_id, name, slug, holder_name in rows:
        networks_by_code[code].append((network_id, name, slug, holder_name))
        network_ids.add(network_id)
    host = db.aliased(Municipality)
    meetings: dict[int, list[MeetingItem]] = defaultdict(list)
    meeting_rows = db.session.execute(
        select(
            Meeting.id,
            Meeting.network_id,
            Meeting.title,
            Meeting.starts_at,
            Meeting.place,
            Meeting.online_url,
            Meeting.created_at,
            Network.name,
            host.name,
            Meeting.ends_at,
        )
        .join(Network, Network.id == Meeting.network_id)
        .join(host, host.scb_code == Meeting.host_code)
        .where(Meeting.network_id.in_(network_ids), Meeting.status == MeetingStatus.SCHEDULED)
        .where(Meeting.starts_at >= until, Meeting.starts_at < until + MEETING_HORIZON)
        .order_by(Meeting.starts_at)
    )
    for (
        mid,
        network_id,
        title,
        starts_at,
        place,
        online_url,
        created_at,
        net,
        host_name,
        ends_at,
    ) in meeting_rows:
        online = bool(online_url)
        item = MeetingItem(mid, title, starts_at, place, online, net, host_name, created_at)
        item.ends_at = ends_at
        meetings[network_id].append(item)
    relay = _load_relay_news(network_ids, since, until)
    meeting_ids = [m.id for items in meetings.values() for m in items]
    rsvps = {
        (user_id, meeting_id): response
        for user_id, meeting_id, response in db.session.execute(
            select(Rsvp.user_id, Rsvp.meeting_id, Rsvp.response).where(
                Rsvp.user_id.in_(ids), Rsvp.meeting_id.in_(meeting_ids)
            )
        )
    }
    return networks_by_code, meetings, rsvps, relay


def _load_relay_news(
    network_ids: set[int], since: datetime, until: datetime
) -> dict[int, tuple[str | None, bool]]:
    """Per network: the open date poll's title, and whether the baton passed after silence in
    the period (the network hears it in the digest rather than in a mail of its own)."""
    from hub.meetings.models import BatonPass, DatePoll

    polls = dict(
        db.session.execute(
            select(DatePoll.network_id, DatePoll.title).where(
                DatePoll.network_id.in_(network_ids), DatePoll.open_slot.is_not(None)
            )
        ).all()
    )
    silenced = set(
        db.session.scalars(
            select(BatonPass.network_id).where(
                BatonPass.network_id.in_(network_ids),
                BatonPass.reason_kind == "silence",
                BatonPass.passed_at >= since,
                BatonPass.passed_at < until,
            )
        )
    )
    return {n: (polls.get(n), n in silenced) for n in network_ids}


def _add_meetings(content: DigestContent, networks_by_code, meetings, rsvps, relay) -> None:
    member = content.member
    for network_id, name, slug, holder_name in networks_by_code.get(member.municipality_code, []):
        upcoming = [
            MeetingItem(**{**m.__dict__, "rsvp": rsvps.get((member.id, m.id))})
            for m in meetings.get(network_id, [])
        ]
        content.meetings.extend(upcoming)
        poll, silence = relay.get(network_id, (None, False))
        content.batons.append(
            BatonItem(name, slug, holder_name, upcoming[0] if upcoming else None, poll, silence)
        )
    content.meetings.sort(key=lambda m: m.starts_at)
    del content.meetings[MAX_MEETINGS:]


def member_networks(member: Member, networks_by_code: dict) -> set[int]:
    return {row[0] for row in networks_by_code.get(member.municipality_code, ())}


def _load_newcomers(networks_by_code: dict, period: Period) -> list[tuple[NewcomerItem, set[int]]]:
    """Weekly only: people listed in the directory whose account was confirmed in the period, in
    the batch's networks, each with the networks they belong to (newest first)."""
    network_ids = {row[0] for rows in networks_by_code.values() for row in rows}
    if period.frequency != "weekly" or not network_ids:
        return []
    rows = db.session.execute(
        select(User.id, User.name, User.title, Municipality.name, NetworkMunicipality.network_id)
        .join(Municipality, Municipality.scb_code == User.municipality_code)
        .join(NetworkMunicipality, NetworkMunicipality.municipality_code == User.municipality_code)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(
            listed_condition(),
            User.email_confirmed_at >= period.starts_at,
            User.email_confirmed_at < period.ends_at,
            NetworkMunicipality.network_id.in_(network_ids),
            NetworkMunicipality.active.is_(True),
        )
        .order_by(User.email_confirmed_at.desc(), User.id)
    )
    found: dict[int, tuple[NewcomerItem, set[int]]] = {}
    for user_id, name, title, place, network_id in rows:
        entry = found.setdefault(user_id, (NewcomerItem(user_id, name, title, place), set()))
        entry[1].add(network_id)
    return list(found.values())
