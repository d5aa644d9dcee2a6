"""Handing the baton over names who receives it (#21): a confirmation page, and a POST that
gives the baton to that municipality or to nobody."""

from __future__ import annotations

import pytest

from hub.auth.models import Role
from hub.extensions import db
from hub.meetings import rotation
from tests.conftest import csrf_token

CONFIRM = "/natverk/halland/stafett/lamna-over"


@pytest.fixture
def relay(create_network, create_user):
    """Halland with Varberg, Laholm (holding the baton) and Halmstad, each with a member."""
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="0180")
    network = create_network(
        slug="halland", codes=("1383", "1381", "1380"), coordinators=[coordinator]
    )
    rotation.pass_baton(network, reason_kind="coordinator", to_code="1381")
    db.session.commit()
    return {
        "network": network,
        "host": create_user(municipality_code="1381"),
        "varberg": create_user(municipality_code="1383"),
        "halmstad": create_user(municipality_code="1380"),
        "coordinator": coordinator,
    }


def holder(relay) -> str | None:
    db.session.refresh(relay["network"])
    return relay["network"].baton_holder_code


def test_the_holder_is_asked_by_name_and_the_baton_goes_there(client, login, relay):
    login(relay["host"])
    page = client.get(CONFIRM)
    assert page.status_code == 200
    assert "Lämna stafettpinnen till Halmstads kommun?" in page.text
    assert 'name="expected" type="hidden" value="1380"' in page.text
    assert holder(relay) == "1381"  # looking changes nothing

    data = {"reason": "Personalbrist", "expected": "1380", "csrf_token": csrf_token(page.text)}
    response = client.post(CONFIRM, data=data)
    assert response.status_code == 302 and holder(relay) == "1380"
    assert "Stafettpinnen är hos Halmstads kommun nu." in client.get("/natverk/halland").text


def test_a_changed_turn_asks_again_instead_of_passing_elsewhere(client, login, relay):
    login(relay["host"])
    token = csrf_token(client.get(CONFIRM).text)
    stale = {"reason": "Personalbrist", "expected": "1383", "csrf_token": token}
    response = client.post(CONFIRM, data=stale)
    assert response.status_code == 409 and holder(relay) == "1381"
    assert "Turordningen har ändrats" in response.text
    assert "Lämna stafettpinnen till Halmstads kommun?" in response.text


def test_an_empty_reason_comes_back_on_the_confirmation(client, login, relay):
    login(relay["host"])
    token = csrf_token(client.get(CONFIRM).text)
    response = client.post(CONFIRM, data={"reason": "", "expected": "1380", "csrf_token": token})
    assert response.status_code == 400 and "Skriv en kort anledning." in response.text
    assert "Lämna stafettpinnen till Halmstads kommun?" in response.text
    assert holder(relay) == "1381"


def test_a_coordinator_names_the_municipality(client, login, relay):
    login(relay["coordinator"])
    network_page = client.get("/natverk/halland").text
    assert '<option value="1383">Varbergs kommun</option>' in network_page
    page = client.get(CONFIRM + "?till=1383")
    assert "Lämna stafettpinnen till Varbergs kommun?" in page.text
    assert 'name="to_code" value="1383"' in page.text
    # A municipality outside the network is not offered: the next in turn is named instead.
    assert "till Halmstads kommun?" in client.get(CONFIRM + "?till=0180").text

    token = csrf_token(page.text)
    wrong = {"reason": "Fel", "to_code": "0180", "expected": "0180", "csrf_token": token}
    response = client.post(CONFIRM, data=wrong)
    assert response.status_code == 400 and "Välj en kommun i nätverket." in response.text
    data = {
        "reason": "Varberg har lokal",
        "to_code": "1383",
        "expected": "1383",
        "csrf_token": token,
    }
    assert client.post(CONFIRM, data=data).status_code == 302 and holder(relay) == "1383"


def test_nobody_to_hand_over_to(client, login, relay):
    for person in ("varberg", "halmstad"):
        relay[person].active = False
    db.session.commit()
    login(relay["host"])
    page = client.get(CONFIRM)
    assert "Ingen kan ta över just nu" in page.text
    response = client.post(
        CONFIRM, data={"reason": "Vi kan inte", "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 409 and holder(relay) == "1381"


def test_only_those_who_may_pass_see_the_confirmation(client, login, relay):
    login(relay["varberg"])
    assert client.get(CONFIRM).status_code == 403
