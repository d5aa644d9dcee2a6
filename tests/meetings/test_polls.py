"""The date poll: propose, answer on the page and through mail links, close into one meeting."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hub.auth.models import Role, User
from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage
from hub.meetings import polls, rotation, scheduling
from hub.meetings.localtime import utc_to_stockholm
from hub.meetings.models import DatePoll, DatePollVote, Meeting, Network
from tests.conftest import csrf_token


@pytest.fixture
def world(create_network, create_user):
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="0180", name="Cecilia")
    network = create_network(
        slug="halland", codes=("1383", "1381", "1380"), coordinators=[coordinator]
    )
    people = {
        "host": create_user(municipality_code="1381", name="Hanna Värd"),
        "varberg": create_user(municipality_code="1383", name="Vera Varberg"),
        "halmstad": create_user(municipality_code="1380", name="Hugo Halmstad"),
        "stranger": create_user(municipality_code="0180", name="Sture Stockholm"),
    }
    rotation.pass_baton(network, reason_kind="coordinator", to_code="1381")
    db.session.execute(db.delete(OutboxMessage))
    db.session.commit()
    return {"network": network, "coordinator": coordinator, **people}


def day(days: int) -> str:
    return utc_to_stockholm(utcnow() + timedelta(days=days)).date().isoformat()


def poll_form(days=(20, 22, 27), **overrides) -> dict:
    data = {"title": "Vårträffen", "place": "Laholm"}
    for i, d in enumerate(days, start=1):
        data |= {f"day_{i}": day(d), f"start_{i}": "09:00", f"end_{i}": "12:00"}
    return data | overrides


def propose(client, **overrides):
    token = csrf_token(client.get("/natverk/halland/datum").text)
    return client.post(
        "/natverk/halland/datum/ny", data={**poll_form(**overrides), "csrf_token": token}
    )


def the_poll() -> DatePoll:
    return polls.open_poll_for(db.session.scalars(select(DatePoll.network_id)).one())


def test_the_holder_proposes_dates_and_each_member_gets_one_mail(client, login, world):
    login(world["host"])
    assert "Föreslå datum" in client.get("/natverk/halland").text
    response = propose(client)
    assert response.status_code == 302, response.text
    poll = the_poll()
    assert [o.starts_at for o in poll.options] == sorted(o.starts_at for o in poll.options)
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.to_address)).all()
    members = [world[k].email for k in ("host", "varberg", "halmstad", "coordinator")]
    assert sorted(m.to_address for m in mails) == sorted(members)
    assert all(m.body_text.count("/datumsvar/") == 9 for m in mails)  # 3 times × yes/maybe/no
    page = client.get("/natverk/halland")
    assert "Svara på datumförslagen" in page.text and "Föreslå datum" not in page.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"days": (20,)}, "mellan 2 och 6"),
        ({"days": (-3, 20)}, "redan passerat"),
        ({"days": (20, 20)}, "två gånger"),
        ({"end_2": "08:00"}, "slutar innan den börjar"),
        ({"start_2": ""}, "lämna raden tom"),
        ({"day_2": "i morgon"}, "Välj ett datum"),
        ({"title": ""}, "Skriv en rubrik"),
    ],
)
def test_bad_proposals_get_a_message_and_keep_the_text(client, login, world, overrides, message):
    login(world["host"])
    days = overrides.pop("days", (20, 22, 27))
    response = propose(client, days=days, **overrides)
    assert response.status_code == 400
    assert message in response.text
    assert 'value="Laholm"' in response.text  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(DatePoll)) == 0


def test_more_than_six_times_are_refused_by_the_rule(world):
    start = utcnow() + timedelta(days=10)
    times = [polls.ProposedTime(start + timedelta(days=i), start + timedelta(days=i, hours=2))
             for i in range(7)]  # fmt: skip
    with pytest.raises(polls.PollError):
        polls.create_poll(world["network"], "För många", times, by=world["host"])


def test_only_the_holder_or_a_coordinator_may_propose(client, login, world):
    login(world["varberg"])
    page = client.get("/natverk/halland/datum")
    assert page.status_code == 200 and "Skicka datumförslagen" not in page.text
    assert propose(client).status_code == 403
    client.get("/logga-ut")
    login(world["stranger"])
    assert client.get("/natverk/halland/datum").status_code == 403


def test_a_second_poll_or_a_poll_beside_a_meeting_is_a_conflict(client, login, world):
    login(world["host"])
    assert propose(client).status_code == 302
    with pytest.raises(polls.PollConflict):
        polls.create_poll(world["network"], "Till", [
            polls.ProposedTime(utcnow() + timedelta(days=9), utcnow() + timedelta(days=9, hours=1)),
            polls.ProposedTime(utcnow() + timedelta(days=8), utcnow() + timedelta(days=8, hours=1)),
        ], by=world["host"])  # fmt: skip
    db.session.rollback()


def answer_on_page(client, poll, answers: dict[int, str]):
    token = csrf_token(client.get("/natverk/halland/datum").text)
    data = {f"svar-{oid}": a for oid, a in answers.items()} | {"csrf_token": token}
    return client.post(f"/natverk/halland/datum/{poll.id}/svar", data=data)


def test_members_answer_on_the_page_and_may_change_their_mind(client, login, world):
    login(world["host"])
    propose(client)
    poll = the_poll()
    first, second, third = (o.id for o in poll.options)
    client.get("/logga-ut")
    login(world["varberg"])
    response = answer_on_page(client, poll, {first: "yes", second: "maybe", 999999: "yes"})
    assert response.status_code == 302
    answer_on_page(client, poll, {first: "no", third: "bogus"})
    assert polls.my_answers(the_poll(), world["varberg"]) == {first: "no", second: "maybe"}
    page = client.get("/natverk/halland/datum")
    assert "Ja: 0, kanske: 0, nej: 1" in page.text
    assert "Ja: 0, kanske: 1, nej: 0" in page.text


def links_in(mail: OutboxMessage) -> list[str]:
    return re.findall(r"http://stafetten\.test(/datumsvar/\S+)", mail.body_text)


def test_a_mail_link_shows_on_get_and_records_on_post(client, login, world):
    login(world["host"])
    propose(client)
    client.get("/logga-ut")
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == world["halmstad"].email)
    ).one()
    yes_link = links_in(mail)[0]
    for _ in range(3):  # a link scanner follows every link, repeatedly
        for link in links_in(mail):
            assert client.get(link).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(DatePollVote)) == 0
    page = client.get(yes_link)
    assert "Spara mitt svar: Ja" in page.text
    response = client.post(yes_link, data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 200 and "Ditt svar är sparat" in response.text
    poll = the_poll()
    assert polls.my_answers(poll, world["halmstad"]) == {poll.options[0].id: "yes"}


def test_tampered_expired_and_closed_links_change_nothing(client, login, world, app):
    login(world["host"])
    propose(client)
    poll = the_poll()
    link = polls.answer_url(world["varberg"].id, poll.options[0].id, "yes")
    path = link.removeprefix("http://stafetten.test")
    assert client.get(path[:-3] + "xyz").status_code == 400
    assert (
        client.get(
            "/datumsvar/" + polls.make_answer_token(world["varberg"].id, 10**9, "yes")
        ).status_code
        == 404
    )
    token = path.rsplit("/", 1)[1]
    with pytest.raises(polls.InvalidAnswerLink) as caught:
        polls.read_answer_token(token, max_age=-1)
    assert caught.value.expired
    page = client.get(path)
    polls.cancel_poll(poll)
    db.session.commit()
    response = client.post(path, data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 409 and "avslutad" in response.text
    assert client.get(path).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(DatePollVote)) == 0


def test_a_member_waiting_for_a_move_or_of_another_network_cannot_answer(client, login, world):
    """Halmstad's member asked to move to Laholm (the holder) and waits: their old link and the
    rule refuse them, as they refuse a member of another network; nothing is recorded."""
    from hub.core.rules import Forbidden
    from hub.directory import membership

    login(world["host"])
    propose(client)
    client.get("/logga-ut")
    waiting, stranger = world["halmstad"], world["stranger"]
    membership.request_change(waiting, "1380", "1381", None)
    db.session.commit()
    first = the_poll().options[0].id
    for person in (waiting, stranger):
        path = polls.answer_url(person.id, first, "yes").split(".test", 1)[1]
        page = client.get(path)
        assert page.status_code == 403 and "när bytet är godkänt" in page.text
        assert "Spara mitt svar" not in page.text
        assert client.post(path, data={"csrf_token": csrf_token(page.text)}).status_code == 403
        with pytest.raises(Forbidden):
            polls.record_answers(the_poll(), person, {first: "yes"})
    login(waiting)
    assert client.get("/natverk/halland/datum").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(DatePollVote)) == 0


def test_closing_books_the_meeting_through_the_scheduling_rule(client, login, world):
    login(world["host"])
    propose(client)
    poll = the_poll()
    chosen = poll.options[1]
    page = client.get("/natverk/halland/datum")
    assert "Boka träffen" in page.text
    token = csrf_token(page.text)
    response = client.post(
        f"/natverk/halland/datum/{poll.id}/stang", data={"option": chosen.id, "csrf_token": token}
    )
    assert response.status_code == 302
    meeting = db.session.scalars(select(Meeting)).one()
    assert (meeting.starts_at, meeting.host_code, meeting.title) == (
        chosen.starts_at, "1381", "Vårträffen",
    )  # fmt: skip
    closed = db.session.get(DatePoll, poll.id)
    assert closed.status == "closed" and closed.meeting_id == meeting.id
    again = client.post(
        f"/natverk/halland/datum/{poll.id}/stang", data={"option": chosen.id, "csrf_token": token}
    )
    assert again.status_code == 409
    assert answer_on_page(client, poll, {chosen.id: "yes"}).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1


def test_closing_needs_a_choice_and_the_right_person(client, login, world):
    login(world["host"])
    propose(client)
    poll = the_poll()
    token = csrf_token(client.get("/natverk/halland/datum").text)
    response = client.post(f"/natverk/halland/datum/{poll.id}/stang", data={"csrf_token": token})
    assert response.status_code == 400 and "Välj en av tiderna" in response.text
    response = client.post(
        f"/natverk/halland/datum/{poll.id}/stang", data={"option": "12345", "csrf_token": token}
    )
    assert response.status_code == 400
    client.get("/logga-ut")
    login(world["varberg"])
    token = csrf_token(client.get("/natverk/halland/datum").text)
    response = client.post(
        f"/natverk/halland/datum/{poll.id}/stang",
        data={"option": poll.options[0].id, "csrf_token": token},
    )
    assert response.status_code == 403


def test_a_meeting_booked_meanwhile_makes_closing_a_conflict(client, login, world, create_meeting):
    login(world["host"])
    propose(client)
    poll = the_poll()
    token = csrf_token(client.get("/natverk/halland/datum").text)
    create_meeting(world["network"])
    response = client.post(
        f"/natverk/halland/datum/{poll.id}/stang",
        data={"option": poll.options[0].id, "csrf_token": token},
    )
    assert response.status_code == 409 and "redan en bokad träff" in response.text
    assert db.session.get(DatePoll, poll.id).status == "open"  # nothing half done


def test_a_poll_whose_times_have_all_passed_makes_way_for_a_new_one(world):
    start = utcnow() + timedelta(days=10)
    times = [polls.ProposedTime(start + timedelta(days=i), start + timedelta(days=i, hours=2))
             for i in range(2)]  # fmt: skip
    old = polls.create_poll(world["network"], "Glömd", times, by=world["host"])
    later = start + timedelta(days=5)
    new_times = [polls.ProposedTime(later + timedelta(days=i), later + timedelta(days=i, hours=2))
                 for i in (10, 11)]  # fmt: skip
    new = polls.create_poll(world["network"], "Ny", new_times, by=world["host"], now=later)
    assert new.status == "open"
    assert db.session.get(DatePoll, old.id).status == "cancelled"


def test_best_option_prefers_yes_then_maybe_then_the_earliest(world):
    start = utcnow() + timedelta(days=10)
    times = [polls.ProposedTime(start + timedelta(days=i), start + timedelta(days=i, hours=2))
             for i in range(3)]  # fmt: skip
    poll = polls.create_poll(world["network"], "Träff", times, by=world["host"])
    a, b, c = poll.options
    assert polls.best_option(poll) is a
    polls.record_answers(poll, world["varberg"], {b.id: "maybe", c.id: "maybe"})
    assert polls.best_option(poll) is b
    polls.record_answers(poll, world["halmstad"], {c.id: "yes"})
    assert polls.best_option(poll) is c
    with pytest.raises(polls.PollError):
        polls.close_poll(poll, 10**9, by=world["host"])
    with pytest.raises(polls.PollError):
        polls.close_poll(poll, a.id, by=world["host"], now=a.starts_at + timedelta(hours=1))


@pytest.mark.slow
def test_two_people_closing_at_once_make_one_meeting(race_app):
    with race_app.app_context():
        network = db.session.scalars(select(Network)).one()
        host = db.session.scalars(select(User).where(User.email == "p0@laholm.se")).one()
        start = datetime.now(UTC) + timedelta(days=20)
        times = [polls.ProposedTime(start + timedelta(days=i), start + timedelta(days=i, hours=2))
                 for i in range(2)]  # fmt: skip
        poll = polls.create_poll(network, "Träff", times, by=host)
        poll_id, option_id = poll.id, poll.options[0].id
        db.session.commit()
        db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def close() -> None:
        with race_app.app_context():
            barrier.wait(10)
            try:
                network = db.session.scalars(select(Network)).one()
                host = db.session.scalars(select(User).where(User.email == "p1@laholm.se")).one()
                polls.close_poll(polls.get_poll(network, poll_id), option_id, by=host)
                db.session.commit()
                outcomes.append("booked")
            except (polls.PollClosed, scheduling.MeetingConflict) as error:
                db.session.rollback()
                outcomes.append(type(error).__name__)
            except BaseException as error:  # reported below, not lost in the thread
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["PollClosed", "booked"]
    with race_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1
        db.session.remove()
