"""The meeting page for members first (#21), through HTTP: three one-tap answers (each its own
POST form, no script needed) with the chosen one pressed, a join button instead of the raw link,
a map link for the address, the calendar in plain words, and the host's tools after all that."""

from __future__ import annotations

import re

import pytest

from hub.extensions import db
from hub.meetings.models import Rsvp
from tests.conftest import csrf_token

LINK = "https://teams.example/l/meetup-join/abc"


@pytest.fixture
def meeting(create_network, create_meeting):
    network = create_network(codes=("1381", "1383"))
    network.baton_holder_code = "1381"
    return create_meeting(network, online_url=LINK, place="Stadshuset, Laholm")


def pressed(page: str) -> dict[str, str]:
    """Each answer's value and its aria-pressed, in page order."""
    forms = re.findall(
        r'name="response" value="(\w+)">\s*<button[^>]*aria-pressed="(true|false)"', page
    )
    return dict(forms)


def test_one_tap_saves_and_the_chosen_answer_is_pressed(client, create_user, login, meeting):
    member = create_user(municipality_code="1383")
    login(member)
    page = client.get(f"/traffar/{meeting.id}").text
    assert pressed(page) == {"on_site": "false", "online": "false", "not_coming": "false"}
    assert "Spara svar" not in page and 'type="radio"' not in page
    answered = client.post(
        f"/traffar/{meeting.id}/svar", data={"csrf_token": csrf_token(page), "response": "online"}
    )
    assert answered.status_code == 302
    assert answered.headers["Location"].endswith(f"/traffar/{meeting.id}#kommer-du")
    page = client.get(f"/traffar/{meeting.id}").text
    assert pressed(page) == {"on_site": "false", "online": "true", "not_coming": "false"}
    assert db.session.query(Rsvp).filter_by(user_id=member.id).one().response == "online"


def test_a_bad_answer_is_refused_with_a_message(client, create_user, login, meeting):
    login(create_user(municipality_code="1383"))
    page = client.get(f"/traffar/{meeting.id}").text
    refused = client.post(
        f"/traffar/{meeting.id}/svar", data={"csrf_token": csrf_token(page), "response": "kanske"}
    )
    assert refused.status_code == 303
    shown = client.get(f"/traffar/{meeting.id}").text
    assert "Välj om du kommer på plats, digitalt eller inte alls." in shown
    assert db.session.query(Rsvp).count() == 0


def test_join_button_map_link_and_calendar_in_plain_words(client, create_user, login, meeting):
    login(create_user(municipality_code="1383"))
    page = client.get(f"/traffar/{meeting.id}").text
    assert f'<a class="button" href="{LINK}" rel="noopener nofollow">Anslut till mötet</a>' in page
    assert page.count(LINK) == 1  # the button only: no raw address over four lines
    assert "https://www.openstreetmap.org/search?query=Stadshuset%2C%20Laholm" in page
    assert "Lägg till i min kalender" in page and ".ics)" not in page


def test_the_members_answer_comes_before_the_hosts_tools(client, create_user, login, meeting):
    login(create_user(municipality_code="1381"))  # the host municipality: a manager
    page = client.get(f"/traffar/{meeting.id}").text
    assert page.index("Kommer du?") < page.index("Dagordning") < page.index("För värden")


def test_no_join_button_for_a_cancelled_meeting(client, create_user, login, meeting):
    meeting.status = "cancelled"
    meeting.open_slot = None
    db.session.commit()
    login(create_user(municipality_code="1383"))
    page = client.get(f"/traffar/{meeting.id}").text
    assert "Anslut till mötet" not in page and pressed(page) == {}
