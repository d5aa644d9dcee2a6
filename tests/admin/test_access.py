"""Every admin page needs the admin right."""

from __future__ import annotations

import pytest

from hub.auth.models import Role
from hub.extensions import db
from hub.forum.models import Category

GET_PAGES = [
    "/admin",
    "/admin/kommuner",
    "/admin/kommuner/ny",
    "/admin/lan/ny",
    "/admin/kommuner/1381",
    "/admin/natverk",
    "/admin/natverk/ny",
    "/admin/kategorier",
    "/admin/kategorier/ny",
    "/admin/konton",
]
POST_ACTIONS = [
    "/admin/kommuner/ny",
    "/admin/kommuner/1381/domaner",
    "/admin/natverk/ny",
    "/admin/kategorier/ny",
    "/admin/konton/1/roll",
    "/admin/konton/1/inaktivera",
]


@pytest.mark.parametrize("url", GET_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/logga-in" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COORDINATOR])
def test_members_and_coordinators_get_403(client, create_user, login, post, role):
    login(create_user(role=role))
    for url in GET_PAGES:
        assert client.get(url).status_code == 403, url
    for url in POST_ACTIONS:
        assert post(url, name="x").status_code == 403, url


def test_admin_sees_every_page_and_the_link(client, admin):
    for url in GET_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
    assert 'href="/admin"' in client.get("/").text


def test_the_link_is_only_for_admins(client, create_user, login):
    login(create_user(role=Role.COORDINATOR))
    assert 'href="/admin"' not in client.get("/").text


def test_start_page_counts(client, admin, create_network):
    create_network()
    db.session.add(Category(slug="larplattor", name="Lärplattor"))
    db.session.commit()
    html = client.get("/admin").text
    assert "32 kommuner" in html
    assert "1 nätverk" in html
    assert "1 kategorier" in html


@pytest.mark.parametrize(
    "url",
    [
        "/admin/kommuner/9999",
        "/admin/kommuner/abc",
        "/admin/kommuner/1381/enheter/999999",
        "/admin/natverk/999999",
        "/admin/kategorier/999999",
        "/admin/konton/999999",
    ],
)
def test_unknown_ids_give_404(client, admin, url):
    assert client.get(url).status_code == 404


def test_posts_to_unknown_ids_give_404(admin, post):
    assert (
        post("/admin/natverk/999999/kommuner", **{"medlem-municipality_code": "1381"}).status_code
        == 404
    )
    assert post("/admin/kommuner/1381/domaner/nope.se/ta-bort").status_code == 404
    assert post("/admin/konton/999999/inaktivera").status_code == 404
    assert post("/admin/kategorier/999999/ta-bort").status_code == 404


def test_posts_without_csrf_are_refused(client, admin):
    response = client.post("/admin/kategorier/ny", data={"name": "X", "slug": "x", "position": "0"})
    assert response.status_code == 400
    assert db.session.query(Category).count() == 0
