"""A member's municipality is vouched for: choosing another one is a request that the new
municipality's coordinator (or an admin) approves. The old rights end at once, the new ones
start on approval (finding 1 of the outside security test)."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from hub.auth import permissions
from hub.auth.accounts import change_role
from hub.auth.models import Role
from hub.core import ratelimit
from hub.directory import membership
from hub.extensions import db
from hub.notifications.models import Notification
from tests.conftest import csrf_token
from tests.directory.test_profile import URL, form_data


@pytest.fixture
def halland(create_user, create_network):
    """Laholm, Varberg (holds the baton) and Halmstad, with a coordinator; and Stockholm's."""
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="1380")
    network = create_network(codes=("1381", "1383", "1380"), coordinators=[coordinator])
    network.baton_holder_code = "1383"
    stockholm = create_user(role=Role.COORDINATOR, municipality_code="0180")
    create_network(codes=("0180",), coordinators=[stockholm])
    db.session.commit()
    return network, coordinator, stockholm


def post(client, url: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client.get(URL).text), **data})


def test_choosing_the_baton_holder_does_not_give_its_rights(client, create_user, login, halland):
    network, coordinator, _ = halland
    member = create_user(municipality_code="1381")
    login(member)
    response = client.post(URL, data=form_data(client, municipality="1383"))
    assert response.status_code == 302
    assert "godkänt" in client.get(URL).text  # the flash says it waits
    assert member.municipality_code is None  # Laholm's rights ended at once
    assert membership.pending_change(member.id).to_code == "1383"
    assert "väntar på att en samordnare" in client.get(URL).text
    # Neither Varberg's baton nor Laholm's part in the network.
    passed = post(client, f"/natverk/{network.slug}/stafett/lamna-over", reason="")
    assert passed.status_code == 403
    assert not permissions.takes_part_in(member, network.id)
    notice = db.session.query(Notification).filter_by(user_id=coordinator.id).one()
    assert "Maja Mall" in notice.text and notice.url == "/katalog/kommunbyten"


def test_the_coordinator_sees_and_approves_the_change(client, create_user, login, halland):
    _, coordinator, stockholm = halland
    member = create_user(municipality_code="1381")
    membership.request_change(member, "1381", "1383", None)
    db.session.commit()
    change = membership.pending_change(member.id)
    login(stockholm)
    assert member.name not in client.get("/katalog/kommunbyten").text
    assert client.get(f"/katalog/{member.id}").text.count("väntar på godkännande") == 0
    assert post(client, f"/katalog/kommunbyten/{change.id}/godkann").status_code == 404

    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get(URL).text)})
    login(coordinator)
    listing = client.get("/katalog/kommunbyten")
    assert member.name in listing.text and "Varberg" in listing.text
    assert "väntar på godkännande" in client.get(f"/katalog/{member.id}").text
    assert post(client, f"/katalog/kommunbyten/{change.id}/godkann").status_code == 302
    assert member.municipality_code == "1383"
    assert membership.pending_change(member.id) is None
    assert permissions.speaks_for(member, "1383")


def test_a_refused_change_gives_back_the_old_municipality(client, create_user, login, halland):
    _, coordinator, _ = halland
    member = create_user(municipality_code="1381")
    membership.request_change(member, "1381", "1380", None)
    db.session.commit()
    change = membership.pending_change(member.id)
    login(coordinator)
    assert post(client, f"/katalog/kommunbyten/{change.id}/neka").status_code == 302
    assert member.municipality_code == "1381"
    assert membership.pending_change(member.id) is None
    assert post(client, "/katalog/kommunbyten/999999/neka").status_code == 404


def test_a_broken_decision_form_is_refused(client, create_user, login, halland):
    _, coordinator, _ = halland
    member = create_user(municipality_code="1381")
    membership.request_change(member, "1381", "1380", None)
    db.session.commit()
    change = membership.pending_change(member.id)
    login(coordinator)
    assert client.post(f"/katalog/kommunbyten/{change.id}/godkann").status_code == 400
    assert member.municipality_code is None


def test_changing_back_staying_and_leaving_happen_at_once(app, create_user, halland):
    member = create_user(municipality_code="1381")
    with app.test_request_context():
        assert membership.choose_municipality(member, "1383", None) is True
        assert membership.choose_municipality(member, "1383", None) is True  # still waiting
        assert membership.choose_municipality(member, "1381", None) is False  # changed back
        assert member.municipality_code == "1381" and membership.pending_change(member.id) is None
        assert membership.choose_municipality(member, "1381", None) is False  # stays
        assert membership.choose_municipality(member, None, None) is False  # leaves
        assert member.municipality_code is None


def test_a_coordinator_moves_within_their_networks_at_once(app, halland):
    _, coordinator, _ = halland
    with app.test_request_context():
        assert membership.choose_municipality(coordinator, "1381", None) is False
    assert coordinator.municipality_code == "1381"


def test_units_follow_the_municipality(app, create_user, halland):
    from hub.directory.models import Unit

    db.session.add(Unit(municipality_code="1383", name="Hemtjänst Väst"))
    db.session.flush()
    unit = db.session.query(Unit).filter_by(name="Hemtjänst Väst").one()
    member = create_user(municipality_code="1381")
    membership.choose_municipality(member, "1383", unit.id)
    assert membership.pending_change(member.id).unit_id == unit.id
    membership.choose_municipality(member, "1383", 999999)
    assert membership.pending_change(member.id).unit_id is None
    membership.choose_municipality(member, "1383", unit.id)
    membership.approve(membership.pending_change(member.id), by=member)
    assert (member.municipality_code, member.unit_id) == ("1383", unit.id)


def test_with_nobody_to_vouch_the_admins_are_asked(create_user, halland):
    admin = create_user(role=Role.ADMIN, municipality_code=None)
    member = create_user(municipality_code="1381")
    membership.request_change(member, "1381", "1382", None)  # Falkenberg: in no network
    assert db.session.query(Notification).filter_by(user_id=admin.id).count() == 1
    assert membership.changes_to_decide(admin)[0].user_id == member.id


def test_asking_again_and_again_is_limited(client, create_user, login, halland):
    member = create_user(municipality_code="1381")
    login(member)
    for code in ("1383", "1380", "1383", "1380", "1383"):
        assert client.post(URL, data=form_data(client, municipality=code)).status_code == 302
    response = client.post(URL, data=form_data(client, municipality="1380"))
    assert response.status_code == 429
    assert "många gånger i dag" in response.text
    assert membership.pending_change(member.id).to_code == "1383"  # what was asked before
    ratelimit.clear(membership.REQUEST_SCOPE, member.id)


def test_municipality_rights_are_decided_in_permissions(create_user, create_network):
    member = create_user(municipality_code="1381")
    coordinator = create_user(role=Role.COORDINATOR, municipality_code=None)
    demoted = create_user(role=Role.MEMBER, municipality_code=None)
    admin = create_user(role=Role.ADMIN, municipality_code=None)
    network = create_network(codes=("1381", "1383"), coordinators=[coordinator, demoted])
    change_role(demoted, Role.MEMBER)  # still on the network's list, no longer a coordinator
    anonymous = AnonymousUserMixin()

    assert permissions.speaks_for(member, "1381")
    assert not permissions.speaks_for(member, "1383")
    assert not permissions.speaks_for(member, None)
    assert not permissions.speaks_for(anonymous, "1381") and not permissions.speaks_for(
        None, "1381"
    )
    assert permissions.coordinates(coordinator, network.id)
    assert permissions.coordinates(admin, network.id)
    assert not permissions.coordinates(member, network.id)
    assert not permissions.coordinates(anonymous, network.id)
    assert permissions.takes_part_in(member, network.id)
    assert permissions.takes_part_in(coordinator, network.id)
    assert not permissions.takes_part_in(demoted, network.id + 1000)
    assert not permissions.takes_part_in(anonymous, network.id)
    outsider = create_user(municipality_code="0180")
    assert not permissions.takes_part_in(outsider, network.id)
    assert permissions.may_vouch_for(admin, "0180")
    assert permissions.may_vouch_for(coordinator, "1383")
    assert not permissions.may_vouch_for(coordinator, "0180")
    assert not permissions.may_vouch_for(demoted, "1383")  # no longer a coordinator
    assert not permissions.may_vouch_for(member, "1381")
    assert not permissions.may_vouch_for(anonymous, "1381")
    member.active = False
    assert not permissions.speaks_for(member, "1381")


def test_the_directory_list_shows_a_waiting_change_to_those_who_decide_it(
    client, create_user, login, halland
):
    _, coordinator, stockholm = halland
    member = create_user(name="Vera Väntan", municipality_code="1381")
    membership.request_change(member, "1381", "1383", None)
    db.session.commit()
    waiting = "Vill byta till Varberg och väntar på godkännande."

    login(coordinator)
    page = client.get("/katalog?q=vera").text
    assert "Vera Väntan" in page and waiting in page and "/katalog/kommunbyten" in page

    for other in (stockholm, create_user(municipality_code="1381"), member):
        client.post("/logga-ut", data={"csrf_token": csrf_token(client.get(URL).text)})
        login(other)
        page = client.get("/katalog?q=vera").text
        assert "Vera Väntan" in page and waiting not in page
