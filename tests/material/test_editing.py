"""Editing and removing items, captions replaced, the discussion's category, the CLI."""

from __future__ import annotations

import io
import re

from hub.extensions import db
from hub.forum.models import Category, Question
from hub.material.models import MaterialFile, MaterialItem
from tests.conftest import csrf_token
from tests.material.files import VTT, make_mp4, make_pdf


def shared(response) -> MaterialItem:
    assert response.status_code == 303, response.text
    return db.session.get(MaterialItem, int(re.search(r"(\d+)$", response.headers["Location"])[1]))


def edit(client, item: MaterialItem, **fields):
    page = client.get(f"/material/{item.id}/redigera")
    data = {
        "csrf_token": csrf_token(page.text),
        "title": item.title,
        "summary": "Ny sammanfattning.",
        "source_kind": "member",
        "licence": "cc-by-sa",
        "language": "en",
        "care_areas": ["socialpsykiatri"],
        "tags": "etik",
        **fields,
    }
    return client.post(f"/material/{item.id}/redigera", data=data)


def test_editing_keeps_each_kinds_rules(client, login, create_user, share, tmp_path):
    login(create_user())
    link = shared(share("link", url="https://a.se/sida"))
    response = edit(client, link, url="")
    assert response.status_code == 400 and "Skriv länkens webbadress" in response.text
    assert edit(client, link, url="https://b.se/ny").status_code == 303
    link = db.session.get(MaterialItem, link.id)
    assert (link.url, link.licence, link.language) == ("https://b.se/ny", "cc-by-sa", "en")
    assert 'lang="en"' in client.get(f"/material/{link.id}").text

    external = shared(share("film", url="https://vimeo.com/1"))
    response = edit(client, external, url="")
    assert response.status_code == 400 and "Skriv länken till filmen" in response.text

    ours = shared(share("film", file=("film.mp4", make_mp4(tmp_path))))
    assert edit(client, ours, url="https://youtube.com/x").status_code == 303
    assert db.session.get(MaterialItem, ours.id).url is None  # a film of ours stays ours

    guide = shared(share("guide", file=("guide.pdf", make_pdf())))
    assert edit(client, guide, url="https://a.se").status_code == 303
    assert db.session.get(MaterialItem, guide.id).url is None

    howto = shared(share("howto", body="Steg ett och steg två och steg tre."))
    response = edit(client, howto, body="kort")
    assert response.status_code == 400 and "minst 20 tecken" in response.text
    assert edit(client, howto, body="Steg ett och steg två och steg tre.").status_code == 303
    assert "Sidan har inte ändrats." in client.get(f"/material/{howto.id}/versioner").text


def test_a_removed_item_is_gone_for_everyone(client, login, create_user, share):
    login(create_user())
    item = shared(share("link", url="https://a.se/sida", title="Snart borta"))
    response = client.post(
        f"/material/{item.id}/ta-bort", data={"csrf_token": csrf_token(client.get("/").text)}
    )
    assert response.status_code == 303
    assert client.get(f"/material/{item.id}").status_code == 404
    assert "Snart borta" not in client.get("/material").text


def test_new_captions_replace_the_old_and_only_films_take_captions(
    client, login, create_user, share, material_dir, tmp_path
):
    login(create_user())
    film = shared(
        share("film", file=("film.mp4", make_mp4(tmp_path)), captions=("a.vtt", VTT.encode()))
    )
    old = db.session.query(MaterialFile).filter_by(item_id=film.id, role="captions").one()
    old_path = material_dir / old.storage_key
    token = csrf_token(client.get(f"/material/{film.id}").text)

    def upload(item, data=b"", name="ny.vtt"):
        data = data or VTT.encode()
        files = {"csrf_token": token, "captions": (io.BytesIO(data), name)}
        return client.post(
            f"/material/{item.id}/textning", data=files, content_type="multipart/form-data"
        )

    assert upload(film).status_code == 303
    rows = db.session.query(MaterialFile).filter_by(item_id=film.id, role="captions").all()
    assert [r.filename for r in rows] == ["ny.vtt"] and not old_path.exists()

    guide = shared(share("guide", file=("guide.pdf", make_pdf())))
    response = upload(guide)
    assert response.status_code == 400 and "Textning hör bara till filmer" in response.text
    empty = client.post(f"/material/{film.id}/textning", data={"csrf_token": token})
    assert empty.status_code == 400 and "Välj en WebVTT-fil" in empty.text


def test_the_discussion_goes_in_the_configured_category(app, client, login, create_user):
    member = create_user()
    db.session.add_all([Category(slug="forst", name="Först"), Category(slug="mat", name="Mat")])
    item = MaterialItem(
        kind="link", title="En länk", licence="cc-by", url="https://a.se", author_id=member.id
    )
    db.session.add(item)
    db.session.commit()
    app.config["MATERIAL_DISCUSSION_CATEGORY"] = "mat"
    login(member)
    token = csrf_token(client.get("/material").text)
    client.post(f"/material/{item.id}/diskussion", data={"csrf_token": token})
    question = db.session.query(Question).one()
    assert db.session.get(Category, question.category_id).slug == "mat"


def test_the_previews_command(app):
    result = app.test_cli_runner().invoke(args=["hub", "material-previews"])
    assert result.exit_code == 0 and "Förhandsbilder: 0 nya." in result.output
