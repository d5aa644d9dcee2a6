"""vCard of a person and CSV of a network's members: only what the viewer may see."""

from __future__ import annotations

import csv
import io

import pytest

from hub.auth.models import Role
from hub.directory.exports import escape_vcard, fold_line, safe_cell


def test_vcard_is_well_formed_and_escaped(client, login, create_person, create_user):
    person = create_person(
        name="Åsa Öberg-Lind",
        title="Undersköterska, välfärdsteknik; natt",
        phone="0340-12 34 56",
        municipality_code="0180",
    )
    login(create_user())
    response = client.get(f"/katalog/{person.id}.vcf")
    assert response.status_code == 200
    assert response.mimetype == "text/vcard"
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".vcf" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCARD" and lines[1] == "VERSION:4.0" and lines[-2] == "END:VCARD"
    assert "FN:Åsa Öberg-Lind" in lines
    assert "N:Öberg-Lind;Åsa;;;" in lines
    assert "TITLE:Undersköterska\\, välfärdsteknik\\; natt" in lines
    assert "ORG:Stockholm" in lines
    assert f"EMAIL;TYPE=work:{person.email}" in lines
    assert "TEL;VALUE=text;TYPE=work,voice:0340-12 34 56" in lines
    assert all(len(line.encode()) <= 75 for line in lines)


def test_vcard_helpers():
    assert escape_vcard("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = fold_line("NOTE:" + "å" * 100)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "NOTE:" + "å" * 100


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+46 35 12 34", "'+46 35 12 34"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Anna", "Anna"),
        (None, ""),
    ],
)
def test_csv_cells_cannot_become_formulas(value, expected):
    assert safe_cell(value) == expected


@pytest.fixture
def network_setup(create_person, create_user, create_network):
    coordinator = create_user(role=Role.COORDINATOR, name="Cecilia Samordnare")
    members = {
        "open": create_person(name="Olle Öppen", municipality_code="1381", phone="0430-111 11"),
        "coord_only": create_person(
            name="Cissi Samordnarsynlig",
            municipality_code="1383",
            phone="0340-222 22",
            email_visibility="coordinators",
            phone_visibility="coordinators",
        ),
        "secret": create_person(
            name="=Sara Hemlig",
            municipality_code="1380",
            phone="035-333 33",
            email_visibility="nobody",
            phone_visibility="nobody",
        ),
        "hidden": create_person(name="Dolly Dold", municipality_code="1381", hidden=True),
        "elsewhere": create_person(name="Stina Stockholm", municipality_code="0180"),
    }
    network = create_network(
        slug="halland", codes=("1381", "1383", "1380"), coordinators=[coordinator]
    )
    return network, coordinator, members


def read_csv(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_network_coordinator_gets_the_csv(client, login, network_setup):
    network, coordinator, members = network_setup
    login(coordinator)
    response = client.get(f"/natverk/{network.slug}/medlemmar.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = {row["Namn"]: row for row in read_csv(response)}
    # The coordinator is in Laholm too (factory default), so is listed as a member.
    assert set(rows) == {
        "Olle Öppen",
        "Cissi Samordnarsynlig",
        "'=Sara Hemlig",
        "Cecilia Samordnare",
    }
    assert rows["Olle Öppen"]["E-post"] == members["open"].email
    assert rows["Olle Öppen"]["Telefon"] == "0430-111 11"
    assert rows["Cissi Samordnarsynlig"]["E-post"] == members["coord_only"].email
    assert rows["Cissi Samordnarsynlig"]["Telefon"] == "0340-222 22"
    assert rows["'=Sara Hemlig"]["E-post"] == "" and rows["'=Sara Hemlig"]["Telefon"] == ""
    assert rows["Olle Öppen"]["Kommun"] == "Laholm"


def test_admin_gets_the_csv_too(client, login, create_user, network_setup):
    network, _coordinator, _members = network_setup
    login(create_user(role=Role.ADMIN))
    assert client.get(f"/natverk/{network.slug}/medlemmar.csv").status_code == 200


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COORDINATOR])
def test_others_are_refused_the_csv(client, login, create_user, network_setup, role):
    network, _coordinator, _members = network_setup
    login(create_user(role=role))  # a coordinator, but of another network
    assert client.get(f"/natverk/{network.slug}/medlemmar.csv").status_code == 403


def test_unknown_network_csv_is_404(client, login, create_user):
    login(create_user(role=Role.ADMIN))
    assert client.get("/natverk/finns-inte/medlemmar.csv").status_code == 404
    assert client.get("/natverk/a%00b/medlemmar.csv").status_code == 404


def test_municipality_page_links_the_csv_for_its_coordinators(client, login, network_setup):
    network, coordinator, members = network_setup
    link = f'href="/natverk/{network.slug}/medlemmar.csv"'
    login(members["open"])
    assert link not in client.get("/kommun/1381").text
    login(coordinator)
    assert link in client.get("/kommun/1381").text
