from hub.auth.models import Role


def test_pages_render(client, login, create_person, create_network):
    me = create_person(name="Anna Andersson", tags=("Surfplattor",), areas=("aldreomsorg",))
    coordinator = create_person(name="Cecilia Coord", role=Role.COORDINATOR)
    network = create_network(slug="halland", coordinators=[coordinator])
    login(me)
    for path in [
        "/katalog",
        f"/katalog/{me.id}",
        f"/katalog/{me.id}.vcf",
        "/kommun/1381",
        "/installningar/profil",
        "/katalog?q=ann&tagg=surfplattor&omrade=aldreomsorg",
    ]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text)
    assert client.get(f"/natverk/{network.slug}/medlemmar.csv").status_code == 403
