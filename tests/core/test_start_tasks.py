"""The start page's "Att göra nu" (#21): a card for each thing the member can do now."""

from __future__ import annotations

from datetime import timedelta

from hub.core.db import utcnow
from hub.core.models import Tag, user_expertise
from hub.directory.official_names import genitive, official_name
from hub.extensions import db
from hub.forum.models import Category
from hub.meetings import rotation
from hub.meetings.models import Meeting, Rsvp
from tests.core.test_start_page import add_question
from tests.factories import make_meeting


def test_visitors_are_offered_to_join(client):
    page = client.get("/").text
    assert 'href="/registrera">Gå med</a>' in page and 'href="/logga-in"' in page


def test_the_baton_card_offers_to_book_or_hand_over(client, login, create_user, create_network):
    network = create_network(slug="halland", codes=("1383", "1381", "1380"))
    rotation.pass_baton(network, reason_kind="coordinator", to_code="1381")
    me = create_user(municipality_code="1381", name="Lina Ambassadör")
    create_user(municipality_code="1383")
    db.session.commit()
    login(me)
    page = client.get("/").text
    assert "Ni har stafettpinnen" in page and "Laholms kommun bjuder in" in page
    assert 'href="/traffar/ny?natverk=halland"' in page
    assert 'href="/natverk/halland/stafett/lamna-over"' in page

    create_meeting(network, days=20)
    page = client.get("/").text
    assert "Ni har stafettpinnen" not in page  # booked: nothing to do


def create_meeting(network, *, days: int) -> Meeting:
    return make_meeting(network, days=days, host_code="1381", title=f"Träff om {days} dagar")


def test_a_near_meeting_i_come_to(client, login, create_user, create_network):
    # Varberg, first in the rotation, holds both batons (nobody is a member yet).
    network = create_network(slug="halland", codes=("1383", "1381"))
    other = create_network(slug="laholm", codes=("1383", "1381"))
    me = create_user(municipality_code="1381")
    near, far = create_meeting(network, days=3), create_meeting(other, days=30)
    db.session.add_all(
        [
            Rsvp(meeting_id=near.id, user_id=me.id, response="online"),
            Rsvp(meeting_id=far.id, user_id=me.id, response="on_site"),
        ]
    )
    db.session.commit()
    login(me)
    page = client.get("/").text
    assert "Snart ses ni" in page and "Träff om 3 dagar" in page and "Du är med digitalt." in page
    assert "Träff om 30 dagar" not in page.split("Det nya i nätverket")[0]


def test_my_answered_question_and_questions_for_me(client, login, create_user):
    me = create_user(name="Lina Ambassadör")
    other = create_user()
    category = Category(slug="vt", name="Välfärdsteknik")
    tag = Tag(slug="lakemedelsrobot", name="läkemedelsrobot")
    db.session.add_all([category, tag])
    db.session.flush()
    db.session.execute(user_expertise.insert().values(user_id=me.id, tag_id=tag.id))
    add_question(me, category, "Hur laddar ni roboten?", answers=2)
    add_question(me, category, "Min egen obesvarade om roboten?", tag=tag)
    add_question(other, category, "Vem fyller på läkemedelsroboten?", tag=tag)
    db.session.commit()
    login(me)
    page = client.get("/").text
    tasks = page.split("Det nya i nätverket")[0]
    assert "Din fråga har fått svar" in tasks and "Hur laddar ni roboten?" in tasks
    assert "Frågor som väntar på dig" in tasks and "Vem fyller på läkemedelsroboten?" in tasks
    assert "Min egen obesvarade" not in tasks  # nobody answers their own question


def test_official_names_follow_scbs_list(app):
    assert [genitive(n) for n in ("Laholm", "Hylte", "Höganäs", "Täby", "")] == [
        "Laholms",
        "Hylte",
        "Höganäs",
        "Täby",
        "",
    ]
    with app.test_request_context():
        assert official_name("1381", "Laholm") == "Laholms kommun"
        assert official_name("1315", "Hylte") == "Hylte kommun"
        assert official_name("0180", "Stockholm") == "Stockholms stad"
        assert official_name("0184", "Solna") == "Solna stad"


def test_relative_times(app):
    ago = app.jinja_env.filters["ago"]
    with app.test_request_context():
        assert ago(utcnow() - timedelta(seconds=5)) == "nyss"
        assert ago(utcnow() - timedelta(hours=3)) == "för 3 timmar sedan"
        assert ago(None) == ""
        assert app.jinja_env.filters["municipality"](None) == ""


def test_the_networks_section_shows_my_networks_every_network_to_admins_none_without(
    app, create_user, create_network
):
    from hub.site.start import start_reads

    halland = create_network(slug="halland", codes=("1383", "1381"))
    create_network(slug="stockholm", codes=("0180",))
    rotation.pass_baton(halland, reason_kind="coordinator", to_code="1381")
    booked = create_meeting(halland, days=20)
    member = create_user(municipality_code="1381")
    admin = create_user(role="admin")
    outside = create_user(municipality_code="1315")  # Hylte: in no network
    db.session.commit()

    (mine,) = start_reads(member).networks
    assert (mine.network.slug, mine.holder_name, mine.holder_code) == ("halland", "Laholm", "1381")
    assert mine.network.baton_holder.scb_code == "1381" and mine.mine
    assert (mine.next_meeting.id, mine.next_meeting.title) == (booked.id, booked.title)
    assert [s.network.slug for s in start_reads(admin).networks] == ["halland", "stockholm"]
    assert start_reads(outside).networks == []


def test_the_start_page_is_the_member_and_one_statement(
    app, client, login, create_user, create_network, count_queries
):
    """The networks and their next meetings are parts of the start page's one statement (two
    statements of their own before: two round trips on every start page, issue 17)."""
    halland = create_network(slug="halland", codes=("1381",))
    create_network(slug="stockholm", codes=("0180",))
    booked = make_meeting(halland, days=20, title="Höstträff i Laholm")
    login(create_user(municipality_code="1381"))
    client.get("/")
    with count_queries() as counter:
        page = client.get("/").text
    assert booked.title in page and "Laholm" in page
    assert counter.count == 2, counter.statements  # the member, and the page's statement
