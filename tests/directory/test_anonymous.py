"""Nothing in the directory is visible without signing in."""

from __future__ import annotations

from hub.auth.models import Role


def test_every_directory_url_needs_sign_in(app, client, create_person, create_network):
    person = create_person()
    network = create_network(coordinators=[create_person(role=Role.COORDINATOR)])
    paths = [
        "/katalog",
        "/katalog?q=a&region=13&kommun=1381&roll=annan&omrade=aldreomsorg&tagg=x&page=2",
        f"/katalog/{person.id}",
        f"/katalog/{person.id}.vcf",
        f"/katalog/{person.id}/foto",
        "/kommun/1381",
        "/kommun/9999",
        f"/natverk/{network.slug}/medlemmar.csv",
        "/installningar/profil",
        "/katalog/kommunbyten",
    ]
    rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("directory.")]
    assert len(rules) == 9  # a new route must be added to the list above
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/logga-in" in response.headers["Location"], path
        assert person.name not in response.text
    assert client.post("/installningar/profil", data={"name": "x"}).status_code in (302, 400)
    assert client.post("/katalog/kommunbyten/1/godkann").status_code in (302, 400)
