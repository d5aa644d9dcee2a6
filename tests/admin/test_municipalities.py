"""Regions, municipalities, their email domains and units."""

from __future__ import annotations

from hub.directory.models import EmailDomain, Municipality, Region, Unit
from hub.extensions import db


def test_add_a_municipality(client, admin, post):
    response = post("/admin/kommuner/ny", scb_code="2480", name="Umeå", region_code="01")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/kommuner/2480")
    municipality = db.session.get(Municipality, "2480")
    assert municipality.name == "Umeå"
    assert "Umeå" in client.get("/admin/kommuner").text


def test_add_a_region_then_a_municipality_in_it(admin, post):
    assert post("/admin/lan/ny", code="24", name="Västerbottens län").status_code == 302
    assert db.session.get(Region, "24").name == "Västerbottens län"
    assert (
        post("/admin/kommuner/ny", scb_code="2480", name="Umeå", region_code="24").status_code
        == 302
    )


def test_duplicate_region_is_a_field_error(admin, post):
    response = post("/admin/lan/ny", code="13", name="Nya län")
    assert response.status_code == 400
    assert "Det finns redan ett län med koden 13." in response.text
    assert 'value="Nya län"' in response.text
    response = post("/admin/lan/ny", code="99", name="hallands län")
    assert response.status_code == 400
    assert "Det finns redan ett län som heter hallands län." in response.text


def test_municipality_validation_keeps_the_input(admin, post):
    response = post("/admin/kommuner/ny", scb_code="12a", name="Testby", region_code="13")
    assert response.status_code == 400
    assert "Kommunnumret är fyra siffror" in response.text
    assert 'value="Testby"' in response.text
    assert 'value="12a"' in response.text


def test_duplicate_municipality_code_is_a_field_error(admin, post):
    response = post("/admin/kommuner/ny", scb_code="1381", name="Laholm igen", region_code="13")
    assert response.status_code == 400
    assert "Det finns redan en kommun med koden 1381." in response.text
    assert 'value="Laholm igen"' in response.text


def test_unknown_region_is_a_field_error(admin, post):
    response = post("/admin/kommuner/ny", scb_code="2480", name="Umeå", region_code="77")
    assert response.status_code == 400
    assert "Välj ett län i listan." in response.text


def test_rename_municipality(admin, post):
    response = post("/admin/kommuner/1381", **{"kommun-name": "Laholms kommun"})
    assert response.status_code == 302
    assert db.session.get(Municipality, "1381").name == "Laholms kommun"
    response = post("/admin/kommuner/1381", **{"kommun-name": "  "})
    assert response.status_code == 400
    assert "Skriv kommunens namn." in response.text


def test_email_domains_add_validate_and_remove(client, admin, post):
    response = post("/admin/kommuner/1381/domaner", **{"doman-domain": " @Omsorg.Laholm.se "})
    assert response.status_code == 302
    assert db.session.get(EmailDomain, "omsorg.laholm.se").municipality_code == "1381"

    for bad in ("laholm", "la holm.se", "-laholm.se", "laholm.s3", "http://laholm.se"):
        response = post("/admin/kommuner/1381/domaner", **{"doman-domain": bad})
        assert response.status_code == 400, bad
        assert "Skriv en domän som kungsbacka.se" in response.text

    response = post("/admin/kommuner/1380/domaner", **{"doman-domain": "omsorg.laholm.se"})
    assert response.status_code == 400
    assert "Domänen omsorg.laholm.se hör redan till kommun nummer 1381." in response.text
    assert 'value="omsorg.laholm.se"' in response.text

    assert post("/admin/kommuner/1380/domaner/omsorg.laholm.se/ta-bort").status_code == 404
    assert post("/admin/kommuner/1381/domaner/omsorg.laholm.se/ta-bort").status_code == 302
    assert db.session.get(EmailDomain, "omsorg.laholm.se") is None


def test_units_add_rename_and_remove_only_when_unused(client, admin, post, create_user):
    assert (
        post("/admin/kommuner/1381/enheter", **{"enhet-name": "Hemtjänst Norr"}).status_code == 302
    )
    unit = db.session.query(Unit).filter_by(municipality_code="1381", name="Hemtjänst Norr").one()

    response = post("/admin/kommuner/1381/enheter", **{"enhet-name": "hemtjänst norr"})
    assert response.status_code == 400
    assert "Kommunen har redan en enhet som heter hemtjänst norr." in response.text

    url = f"/admin/kommuner/1381/enheter/{unit.id}"
    assert client.get(url).status_code == 200
    assert post(url, name="Hemtjänst Nord").status_code == 302
    db.session.refresh(unit)
    assert unit.name == "Hemtjänst Nord"
    assert client.get(f"/admin/kommuner/1380/enheter/{unit.id}").status_code == 404

    user = create_user(unit_id=unit.id)
    response = post(url + "/ta-bort")
    assert response.status_code == 409
    assert "det finns konton som hör till den" in response.text
    assert db.session.get(Unit, unit.id) is not None

    user.unit_id = None
    db.session.commit()
    unit_id = unit.id
    assert post(url + "/ta-bort").status_code == 302
    assert db.session.get(Unit, unit_id) is None


def test_municipality_list_by_region(client, admin, count_queries):
    with count_queries() as counter:
        html = client.get("/admin/kommuner").text
    assert "Hallands län" in html and "Stockholms län" in html
    assert "Kungsbacka" in html and "Södertälje" in html
    assert counter.count <= 8
