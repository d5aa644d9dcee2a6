"""One mail per event per person: every kind of event the hub mails about, counted.

Each event runs through its rule (the same function the page or the cron job calls), then the
notification mailer runs as ``flask hub send-mail`` would. Nobody may get two mails about one
event, and everybody the event is for gets exactly one (with the default mail settings), while
the in-app notification still appears.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.core.db import utcnow
from hub.extensions import db
from hub.forum import activity, answers, questions
from hub.forum.models import Category, Follow
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.notifications import send_notification_emails
from hub.mail.preferences import DIGEST, IMMEDIATELY, NEVER, TOPICS, set_preferences
from hub.meetings import participation, polls, reminders, scheduling
from hub.meetings.models import Network, NetworkMunicipality
from hub.notifications.models import Notification


class Events:
    """Runs one event at a time and tells who got how many mails and notifications from it."""

    def __init__(self) -> None:
        self.last_mail = 0
        self.last_note = 0

    def mark(self) -> None:
        self.last_mail = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        self.last_note = db.session.scalar(select(func.max(Notification.id))) or 0

    def after(self, action) -> tuple[Counter, Counter]:
        self.mark()
        action()
        db.session.commit()
        send_notification_emails(utcnow() + timedelta(seconds=1))
        mails = Counter(
            db.session.scalars(
                select(OutboxMessage.user_id).where(
                    OutboxMessage.id > self.last_mail,
                    OutboxMessage.status != OutboxStatus.SUPPRESSED,
                )
            )
        )
        notes = Counter(
            db.session.scalars(select(Notification.user_id).where(Notification.id > self.last_note))
        )
        return mails, notes


@pytest.fixture
def world(app, create_user, create_network):
    coordinator = create_user(name="Sam Ordnare", municipality_code="1380")
    host = create_user(name="Vera Värd", municipality_code="1381")
    members = [create_user(name=f"Medlem {n}", municipality_code="1381") for n in range(3)]
    network = create_network(codes=("1381", "1383"), coordinators=[coordinator])
    network.baton_holder_code = "1381"
    category = Category(slug="valfardsteknik-count", name="Välfärdsteknik", position=1)
    db.session.add(category)
    db.session.commit()
    return {
        "coordinator": coordinator,
        "host": host,
        "members": members,
        "network": network,
        "category": category,
    }


def meeting_data(days: float = 10, title: str = "Nätverksträff om larm"):
    starts = utcnow() + timedelta(days=days)
    return scheduling.MeetingData(
        title=title, starts_at=starts, ends_at=starts + timedelta(hours=2), place="Stadshuset"
    )


def assert_one_each(mails: Counter, expected: set[int], notes: Counter | None = None) -> None:
    assert set(mails) == expected, "vem fick mejl"
    assert all(count == 1 for count in mails.values()), f"fler än ett mejl: {mails}"
    if notes is not None:
        assert set(notes) >= expected, "notisen i hubben finns kvar"


def test_every_meeting_and_baton_event_mails_each_person_once(world):
    events = Events()
    host, coordinator, members = world["host"], world["coordinator"], world["members"]
    network = world["network"]
    everyone = {host.id, coordinator.id, *(m.id for m in members)}
    meeting = None

    def invite():
        nonlocal meeting
        meeting = scheduling.create_meeting(network, meeting_data(), by=host)

    mails, notes = events.after(invite)
    assert_one_each(mails, everyone)  # the host too: the calendar file is for them as well
    assert set(notes) == everyone - {host.id}

    meeting = scheduling.get_meeting_or_404(meeting.id)  # as the page loads it
    mails, notes = events.after(
        lambda: scheduling.update_meeting(meeting, meeting_data(days=11), by=host)
    )
    assert_one_each(mails, everyone)

    for person in (members[0], members[1]):
        participation.do_rsvp(meeting, person, "on_site")
    db.session.commit()
    mails, notes = events.after(
        lambda: reminders.run_meeting_reminders(meeting.starts_at - timedelta(days=1))
    )
    assert_one_each(mails, {members[0].id, members[1].id}, notes)

    meeting = scheduling.get_meeting_or_404(meeting.id)
    mails, notes = events.after(lambda: scheduling.cancel_meeting(meeting, by=host))
    assert_one_each(mails, everyone)

    # The baton: the holder municipality is reminded, then the coordinators.
    from hub.meetings.rotation import current_holding

    holding = current_holding(db.session.get(Network, network.id))
    step1, step2 = reminders.baton_due(network, holding.passed_at)
    laholm = {host.id, *(m.id for m in members)}
    mails, notes = events.after(lambda: reminders.run_baton_check(step1))
    assert_one_each(mails, laholm, notes)
    mails, notes = events.after(lambda: reminders.run_baton_check(step2))
    assert_one_each(mails, {coordinator.id}, notes)


def test_meeting_held_waiting_list_and_minutes_mail_each_person_once(world):
    events = Events()
    host, members, network = world["host"], world["members"], world["network"]
    data = meeting_data(days=1)
    data.capacity = 1
    meeting = scheduling.create_meeting(network, data, by=host)
    participation.do_rsvp(meeting, members[0], "on_site")
    participation.do_rsvp(meeting, members[1], "on_site")  # waiting list
    db.session.commit()

    mails, notes = events.after(lambda: participation.do_rsvp(meeting, members[0], "not_coming"))
    assert_one_each(mails, {members[1].id}, notes)

    later = meeting.starts_at + timedelta(hours=3)
    mails, notes = events.after(lambda: scheduling.mark_held(meeting, by=host, now=later))
    # The baton goes to the next municipality (Varberg, nobody there): no one is mailed twice.
    assert all(count == 1 for count in mails.values())

    mails, notes = events.after(
        lambda: scheduling.save_minutes(meeting, "Vi pratade om larm.", now=later)
    )
    assert_one_each(mails, {members[1].id}, notes)


def test_every_forum_event_mails_each_person_once(world):
    events = Events()
    asker, answerer, follower = world["members"]
    colleague, category = world["host"], world["category"]
    db.session.add(Follow(user_id=follower.id, target_type="category", target_id=category.id))
    db.session.commit()
    question = None

    def ask():
        nonlocal question
        question = questions.create_question(
            asker,
            title="Hur laddar ni surfplattorna?",
            body="Fråga till @Vera Värd och alla andra.",
            category_id=category.id,
            tag_names=[],
        )

    set_preferences(follower.id, follows=IMMEDIATELY)
    mails, notes = events.after(ask)
    # The follower hears of a new question; Vera is mentioned (the mention wins over nothing).
    assert_one_each(mails, {follower.id, colleague.id}, notes)

    db.session.add(Follow(user_id=follower.id, target_type="question", target_id=question.id))
    db.session.commit()
    answer = None

    def reply():
        nonlocal answer
        body = "Vi laddar i personalrummet, @Vera Värd."
        answer = answers.create_answer(question, answerer, body)

    mails, notes = events.after(reply)
    assert_one_each(mails, {asker.id, follower.id, colleague.id}, notes)

    mails, notes = events.after(
        lambda: answers.create_comment(question, asker, "Tack! Vilken laddare?", answer)
    )
    assert_one_each(mails, {answerer.id, follower.id}, notes)

    loaded = answers.get_answer_for(asker, answer.id)
    mails, notes = events.after(lambda: answers.toggle_accept(loaded, asker))
    assert_one_each(mails, {answerer.id}, notes)

    coordinator = world["coordinator"]
    mails, notes = events.after(lambda: activity.ask_to_answer(question, asker, coordinator))
    assert_one_each(mails, {coordinator.id}, notes)


@pytest.mark.parametrize("setting", [DIGEST, NEVER])
def test_no_separate_mail_when_the_topic_is_in_the_digest_or_off(world, setting):
    """ "Whatever their settings": never two; with meetings in the digest or off, none at once."""
    events = Events()
    host, network, member = world["host"], world["network"], world["members"][0]
    set_preferences(member.id, **dict.fromkeys(TOPICS, setting))
    db.session.commit()
    mails, notes = events.after(lambda: scheduling.create_meeting(network, meeting_data(), by=host))
    assert member.id not in mails
    assert notes[member.id] == 1
    # Nor does the notification come back later as a notification mail or a digest line.
    assert db.session.scalar(
        select(Notification.emailed_at).where(Notification.user_id == member.id)
    )


def test_poll_new_baton_holder_and_stuck_relay_mail_each_person_once(world, create_user):
    """A date poll, the baton reaching a municipality with members, a relay nobody can carry."""
    events = Events()
    host, coordinator, members = world["host"], world["coordinator"], world["members"]
    network = world["network"]
    everyone = {host.id, coordinator.id, *(m.id for m in members)}
    start = utcnow() + timedelta(days=20)
    times = [polls.ProposedTime(start + timedelta(days=d), start + timedelta(days=d, hours=2))
             for d in (0, 7)]  # fmt: skip
    mails, notes = events.after(lambda: polls.create_poll(network, "Vårträffen", times, by=host))
    assert_one_each(mails, everyone)
    assert set(notes) == everyone - {host.id}

    varberg = create_user(name="Vilma Varberg", municipality_code="1383")
    held = scheduling.create_meeting(network, meeting_data(days=2), by=host)
    held.starts_at, held.ends_at = utcnow() - timedelta(hours=30), utcnow() - timedelta(hours=28)
    db.session.commit()
    mails, notes = events.after(
        lambda: scheduling.mark_held(held, by=None, now=utcnow(), automatic=True)
    )
    # The host is asked for minutes; Varberg, which now holds the baton, hears it once.
    assert_one_each(mails, {host.id, varberg.id})
    assert notes[varberg.id] == 1

    stuck = Network(slug="hylte-ensam", name="Hylte ensam")
    stuck.members = [NetworkMunicipality(municipality_code="1315", position=0)]
    stuck.coordinators = [coordinator]
    db.session.add(stuck)
    db.session.commit()
    mails, notes = events.after(lambda: reminders.run_baton_check(utcnow()))
    assert mails[coordinator.id] == 1 and all(count == 1 for count in mails.values())


def test_announcement_and_welcome_mail_each_person_once(app, world):
    from hub.announcements.sending import do_send_announcement
    from hub.auth.onboarding import send_welcome

    events = Events()
    coordinator, members, network = world["coordinator"], world["members"], world["network"]
    laholm = {world["host"].id, *(m.id for m in members)}

    def announce():
        with app.test_request_context():
            do_send_announcement(network, coordinator, "Välkomna till vårens träffar!")

    mails, notes = events.after(announce)
    assert_one_each(mails, laholm, notes)
    mails, notes = events.after(lambda: send_welcome(members[0]))
    assert_one_each(mails, {members[0].id})
