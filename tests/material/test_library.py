"""Items without files: links, how-to pages with revisions; the list, its filters and feed."""

from __future__ import annotations

import re

from hub.auth.models import Role
from hub.extensions import db
from hub.material.models import MaterialItem, MaterialRevision
from tests.conftest import csrf_token


def item_id(response) -> int:
    return int(re.search(r"/material/(\d+)$", response.headers["Location"]).group(1))


def test_a_link_is_shared_listed_filtered_and_in_the_feed(client, login, create_user, share):
    login(create_user())
    response = share(
        "link",
        url="https://digga.example.se/konferens",
        title="Slutkonferensen",
        captions=("", b""),  # a file input left empty, as a browser sends it
    )
    assert response.status_code == 303, response.text
    new_id = item_id(response)
    share(
        "howto",
        title="Så laddar ni surfplattorna",
        body="Ladda dem i skåpet varje natt. " * 3,
        source_kind="member",
        source_name="",
        care_areas=["funktionshinder"],
        tags="surfplatta",
    )

    page = client.get(f"/material/{new_id}")
    assert page.status_code == 200
    assert 'href="https://digga.example.se/konferens"' in page.text
    assert "Digga Halland" in page.text and "CC BY 4.0" in page.text

    listing = client.get("/material?typ=link")
    assert "Slutkonferensen" in listing.text and "Så laddar ni" not in listing.text
    by_area = client.get("/material?verksamhet=funktionshinder")
    assert "Så laddar ni" in by_area.text and "Slutkonferensen" not in by_area.text
    by_tag = client.get("/material?tagg=etik")
    assert "Slutkonferensen" in by_tag.text and "Så laddar ni" not in by_tag.text
    assert client.get("/material?tagg=finns-inte").status_code == 404
    by_source = client.get("/material?kalla=member")
    assert "Så laddar ni" in by_source.text and "Slutkonferensen" not in by_source.text
    by_title = client.get("/material?sort=title").text
    assert by_title.index("Slutkonferensen") < by_title.index("Så laddar ni")
    assert client.get("/material?typ=nonsens&sort=nonsens&page=x").status_code == 200

    feed = client.get("/material/flode.atom?typ=link")
    assert feed.mimetype == "application/atom+xml"
    assert "<title>Slutkonferensen</title>" in feed.text and "Så laddar ni" not in feed.text


def test_a_howto_page_keeps_revisions_and_coordinators_may_edit(
    app, client, login, create_user, share
):
    author = create_user()
    login(author)
    body = "# Steg\n\n1. Öppna appen\n2. Tryck på **Ring**\n\n<script>x</script>"
    response = share("howto", title="Så startar ni ett videomöte", body=body)
    new_id = item_id(response)
    page = client.get(f"/material/{new_id}").text
    assert "<strong>Ring</strong>" in page and "<script>x" not in page

    client.post("/logga-ut", data={"csrf_token": csrf_token(page)})
    login(create_user(role=Role.COORDINATOR))
    form = client.get(f"/material/{new_id}/redigera")
    assert form.status_code == 200
    response = client.post(
        f"/material/{new_id}/redigera",
        data={**_fields(form.text), "body": "Nu med nya steg för surfplattan. Tryck på Ring."},
    )
    assert response.status_code == 303
    revisions = db.session.query(MaterialRevision).filter_by(item_id=new_id).all()
    assert [r.body_source.startswith("# Steg") for r in revisions] == [True]
    assert "# Steg" in client.get(f"/material/{new_id}/versioner").text

    client.post("/logga-ut", data={"csrf_token": csrf_token(form.text)})
    login(create_user())
    assert client.get(f"/material/{new_id}/redigera").status_code == 403


def _fields(html: str) -> dict:
    return {
        "csrf_token": csrf_token(html),
        "title": "Så startar ni ett videomöte",
        "summary": "Steg för steg.",
        "source_kind": "member",
        "licence": "cc-by",
        "language": "sv",
    }


def test_bad_text_input_keeps_what_was_written(client, login, create_user, share):
    login(create_user())
    response = share("link", url="javascript:alert(1)", title="Min länk")
    assert response.status_code == 400
    assert "Skriv en hel webbadress" in response.text and 'value="Min länk"' in response.text
    response = share("link", url="", title="Min länk")
    assert response.status_code == 400 and "Skriv länkens webbadress" in response.text
    response = share("howto", body="kort")
    assert response.status_code == 400 and "minst 20 tecken" in response.text
    response = share("link", url="https://a.se", source_kind="project", source_name="")
    assert response.status_code == 400 and "Skriv projektets eller kommunens namn" in response.text
    response = share("link", url="https://a.se", tags="a, b, c, d, e, f")
    assert response.status_code == 400 and "Välj högst 5 ämnesord" in response.text
    response = share("guide")
    assert response.status_code == 400 and "Välj en fil att ladda upp" in response.text
    assert db.session.query(MaterialItem).count() == 0
