"""Networks: details, rotation order and coordinators."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.auth.models import Role
from hub.core.rules import RuleError
from hub.extensions import db
from hub.meetings import networks
from hub.meetings.models import BatonPass, Network, NetworkMunicipality


def rotation_codes(network_id: int, active: bool = True) -> list[str]:
    return list(
        db.session.scalars(
            select(NetworkMunicipality.municipality_code)
            .where(
                NetworkMunicipality.network_id == network_id,
                NetworkMunicipality.active.is_(active),
            )
            .order_by(NetworkMunicipality.position)
        )
    )


NEW = {"name": "Sörmland", "slug": "sormland", "description": "Vi ses.", "rhythm_months": "4"}


def test_create_network_and_first_member_gets_the_baton(client, admin, post):
    response = post("/admin/natverk/ny", **NEW)
    assert response.status_code == 302
    network = db.session.scalar(select(Network).where(Network.slug == "sormland"))
    assert network.rhythm_months == 4 and network.baton_holder_code is None

    url = f"/admin/natverk/{network.id}"
    assert post(url + "/kommuner", **{"medlem-municipality_code": "1384"}).status_code == 302
    assert post(url + "/kommuner", **{"medlem-municipality_code": "1383"}).status_code == 302
    db.session.refresh(network)
    assert network.baton_holder_code == "1384"
    assert rotation_codes(network.id) == ["1384", "1383"]
    assert "Kungsbacka" in client.get(url).text


def test_network_validation_and_duplicate_slug(admin, post, create_network):
    create_network(slug="halland")
    response = post("/admin/natverk/ny", **{**NEW, "slug": "halland"})
    assert response.status_code == 400
    assert "Adressnamnet halland används redan." in response.text
    assert 'value="Sörmland"' in response.text
    assert "Vi ses." in response.text

    response = post("/admin/natverk/ny", **{**NEW, "slug": "Halland Norra!", "rhythm_months": "30"})
    assert response.status_code == 400
    assert "Använd bara små bokstäver" in response.text
    assert "mellan 1 och 24" in response.text

    response = post("/admin/natverk/ny", **{**NEW, "rhythm_months": "tre"})
    assert response.status_code == 400
    assert "Skriv ett heltal" in response.text


def test_edit_network_and_duplicate_slug_on_edit(client, admin, post, create_network):
    create_network(slug="halland")
    network = create_network(slug="stockholm")
    url = f"/admin/natverk/{network.id}"
    data = {
        "natverk-name": "Stockholms län",
        "natverk-slug": "stockholms-lan",
        "natverk-description": "",
        "natverk-rhythm_months": "6",
    }
    assert post(url, **data).status_code == 302
    db.session.refresh(network)
    assert (network.name, network.slug, network.rhythm_months) == (
        "Stockholms län",
        "stockholms-lan",
        6,
    )

    response = post(url, **{**data, "natverk-slug": "halland"})
    assert response.status_code == 400
    assert "Adressnamnet halland används redan." in response.text
    db.session.refresh(network)
    assert network.slug == "stockholms-lan"


def test_rotation_order_moves(admin, post, create_network):
    network = create_network(codes=("1383", "1381", "1380"))
    base = f"/admin/natverk/{network.id}/kommuner"
    assert post(f"{base}/1380/flytta", riktning="upp").status_code == 302
    assert rotation_codes(network.id) == ["1383", "1380", "1381"]
    assert post(f"{base}/1383/flytta", riktning="ned").status_code == 302
    assert rotation_codes(network.id) == ["1380", "1383", "1381"]
    # at the ends nothing happens
    post(f"{base}/1380/flytta", riktning="upp")
    post(f"{base}/1381/flytta", riktning="ned")
    assert rotation_codes(network.id) == ["1380", "1383", "1381"]
    assert post(f"{base}/1380/flytta", riktning="sidled").status_code == 400
    assert post(f"{base}/0180/flytta", riktning="upp").status_code == 404


def test_duplicate_member_is_a_field_error(admin, post, create_network):
    network = create_network(codes=("1383",))
    response = post(f"/admin/natverk/{network.id}/kommuner", **{"medlem-municipality_code": "1383"})
    assert response.status_code == 400
    assert "Kommunen är redan med i nätverket." in response.text
    response = post(f"/admin/natverk/{network.id}/kommuner", **{"medlem-municipality_code": "9999"})
    assert response.status_code == 400
    assert "Välj en kommun i listan." in response.text


def test_remove_member_without_history_deletes_it(admin, post, create_network):
    network = create_network(codes=("1383", "1381", "1380"))
    assert post(f"/admin/natverk/{network.id}/kommuner/1381/ta-bort").status_code == 302
    assert rotation_codes(network.id) == ["1383", "1380"]
    assert rotation_codes(network.id, active=False) == []


def test_remove_member_with_history_deactivates_and_passes_the_baton(admin, post, create_network):
    network = create_network(codes=("1383", "1381", "1380"))
    network.baton_holder_code = "1381"
    db.session.add(
        BatonPass(
            network_id=network.id, from_code="1383", to_code="1381", reason_kind="meeting_held"
        )
    )
    db.session.commit()

    assert post(f"/admin/natverk/{network.id}/kommuner/1381/ta-bort").status_code == 302
    assert rotation_codes(network.id) == ["1383", "1380"]
    assert rotation_codes(network.id, active=False) == ["1381"]
    db.session.refresh(network)
    assert network.baton_holder_code == "1380"
    last = db.session.scalars(select(BatonPass).order_by(BatonPass.id.desc())).first()
    assert (last.from_code, last.to_code, last.reason_kind) == ("1381", "1380", "left_network")

    # coming back: active again, at the end of the rotation
    post(f"/admin/natverk/{network.id}/kommuner", **{"medlem-municipality_code": "1381"})
    assert rotation_codes(network.id) == ["1383", "1380", "1381"]


def test_coordinators_add_and_remove(client, admin, post, create_network, create_user):
    network = create_network()
    member = create_user(email="kim@laholm.se", name="Kim Kuling")
    url = f"/admin/natverk/{network.id}/samordnare"

    response = post(url, **{"samordnare-email": "ingen@laholm.se"})
    assert response.status_code == 400
    assert "Det finns inget konto med den e-postadressen." in response.text
    assert 'value="ingen@laholm.se"' in response.text

    assert post(url, **{"samordnare-email": "KIM@laholm.se"}).status_code == 302
    db.session.refresh(member)
    assert member.role == Role.COORDINATOR
    assert "Kim Kuling" in client.get(f"/admin/natverk/{network.id}").text

    response = post(url, **{"samordnare-email": "kim@laholm.se"})
    assert response.status_code == 400
    assert "Kim Kuling är redan samordnare här." in response.text

    assert post(f"{url}/{member.id}/ta-bort").status_code == 302
    assert post(f"{url}/{member.id}/ta-bort").status_code == 404

    # an admin who coordinates a network stays an admin
    assert post(url, **{"samordnare-email": admin.email}).status_code == 302
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN


def test_network_list_has_a_fixed_number_of_statements(
    client, admin, create_network, count_queries
):
    for _ in range(3):
        create_network()
    with count_queries() as counter:
        assert client.get("/admin/natverk").status_code == 200
    few = counter.count
    for _ in range(5):
        create_network()
    with count_queries() as counter:
        assert client.get("/admin/natverk").status_code == 200
    assert counter.count == few <= 8


def test_a_unique_race_becomes_a_field_error(app, create_network, monkeypatch):
    """Two admins saving the same slug at once: the database's constraint has the last word."""
    create_network(slug="halland")
    monkeypatch.setattr(networks, "check_network_slug_free", lambda slug, network=None: None)
    with pytest.raises(RuleError) as raised:
        networks.create_network("Halland igen", "halland", "", 3)
    assert raised.value.field == "slug"
    db.session.rollback()
    assert db.session.scalar(select(Network.id).where(Network.slug == "halland"))
