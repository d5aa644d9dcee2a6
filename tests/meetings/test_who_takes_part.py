"""Network membership decides who takes part: only members of the network's municipalities and
its coordinators answer, suggest and vote, and see the online link (finding 9)."""

from __future__ import annotations

import pytest

from hub.auth.models import Role
from hub.extensions import db
from hub.meetings.models import Rsvp, TopicSuggestion, network_coordinator
from tests.conftest import csrf_token

LINK = "https://mote.example.se/natverket-hemligt"


@pytest.fixture
def meeting(create_network, create_meeting):
    network = create_network(codes=("1381", "1383"))
    network.baton_holder_code = "1383"
    meeting = create_meeting(network, online_url=LINK)
    meeting.the_network = network
    return meeting


def test_a_member_of_another_network_only_sees_the_meeting(client, create_user, login, meeting):
    outsider = create_user(municipality_code="0180")
    login(outsider)
    page = client.get(f"/traffar/{meeting.id}")
    assert page.status_code == 200
    assert LINK not in page.text and "Träffen är för nätverkets kommuner" in page.text
    assert LINK not in client.get(f"/traffar/{meeting.id}.ics").text
    assert LINK not in client.get(f"/natverk/{meeting.the_network.slug}/traffar.ics").text
    token = csrf_token(page.text)
    assert (
        client.post(
            f"/traffar/{meeting.id}/svar", data={"csrf_token": token, "response": "on_site"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/traffar/{meeting.id}/amnen", data={"csrf_token": token, "text": "Robotar"}
        ).status_code
        == 403
    )
    suggestion = TopicSuggestion(meeting_id=meeting.id, user_id=None, text="Läsplattor")
    db.session.add(suggestion)
    db.session.commit()
    voted = client.post(
        f"/traffar/{meeting.id}/amnen/{suggestion.id}/rost", data={"csrf_token": token}
    )
    assert voted.status_code == 403
    assert db.session.query(Rsvp).count() == 0


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COORDINATOR])
def test_members_and_coordinators_take_part(client, create_user, login, meeting, role):
    person = create_user(municipality_code="1381" if role == Role.MEMBER else None, role=role)
    if role == Role.COORDINATOR:
        db.session.execute(
            network_coordinator.insert().values(network_id=meeting.network_id, user_id=person.id)
        )
        db.session.commit()
    login(person)
    page = client.get(f"/traffar/{meeting.id}")
    assert LINK in page.text
    assert LINK in client.get(f"/traffar/{meeting.id}.ics").text.replace("\r\n ", "")
    response = client.post(
        f"/traffar/{meeting.id}/svar",
        data={"csrf_token": csrf_token(page.text), "response": "online"},
    )
    assert response.status_code == 302
    assert db.session.query(Rsvp).filter_by(user_id=person.id).count() == 1
