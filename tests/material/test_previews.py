"""Previews by the background job: a PDF's first page and a film's poster frame."""

from __future__ import annotations

import re
from datetime import timedelta

from PIL import Image

from hub.core.db import utcnow
from hub.extensions import db
from hub.material.models import MaterialFile, MaterialItem
from hub.material.previews import run_previews
from tests.material.files import make_mp4, make_pdf, need


def shared(response) -> MaterialItem:
    assert response.status_code == 303, response.text
    return db.session.get(MaterialItem, int(re.search(r"(\d+)$", response.headers["Location"])[1]))


def rows(item: MaterialItem) -> dict[str, MaterialFile]:
    return {f.role: f for f in db.session.query(MaterialFile).filter_by(item_id=item.id)}


def test_the_job_makes_a_pdf_thumbnail_and_a_film_poster(
    client, login, create_user, share, material_dir, tmp_path
):
    need("pdftoppm")
    login(create_user())
    guide = shared(share("guide", file=("guide.pdf", make_pdf())))
    film = shared(share("film", file=("film.mp4", make_mp4(tmp_path))))
    assert "preview" not in rows(guide)  # nothing is made in the request

    assert run_previews() == 2
    assert run_previews() == 0  # idempotent
    thumb, poster = rows(guide)["preview"], rows(film)["preview"]
    assert rows(guide)["main"].preview_state == "done"
    with Image.open(material_dir / thumb.storage_key) as image:
        assert image.format == "PNG" and max(image.size) == 400
    with Image.open(material_dir / poster.storage_key) as image:
        assert image.format == "JPEG" and image.size[0] == 160  # never scaled up past the film
    assert f"/filer/{thumb.id}/guide.png" in client.get(f"/material/{guide.id}").text
    page = client.get(f"/material/{film.id}").text
    assert f'poster="/material/{film.id}/filer/{poster.id}/film.jpg"' in page
    response = client.get(f"/material/{guide.id}/filer/{thumb.id}/guide.png")
    assert response.status_code == 200 and response.mimetype == "image/png"


def test_a_pdf_the_tool_cannot_read_is_marked_failed_not_retried(
    client, login, create_user, share, material_dir
):
    need("pdftoppm")
    login(create_user())
    broken = b"%PDF-1.4\nnot really a pdf\nstartxref\n0\n%%EOF\n"
    item = shared(share("guide", file=("trasig.pdf", broken)))
    assert run_previews() == 0
    assert rows(item)["main"].preview_state == "failed"
    assert client.get(f"/material/{item.id}").status_code == 200
    assert run_previews() == 0


def test_a_claim_left_by_a_worker_that_died_is_taken_over(
    client, login, create_user, share, material_dir
):
    login(create_user())
    item = shared(share("guide", file=("guide.pdf", make_pdf())))
    main = rows(item)["main"]
    main.preview_state, main.claimed_at = "working", utcnow()
    db.session.commit()
    assert run_previews() == 0  # another worker is on it
    assert run_previews(now=utcnow() + timedelta(minutes=20)) == 1


def test_a_missing_tool_leaves_the_preview_pending(
    client, login, create_user, share, material_dir, monkeypatch
):
    login(create_user())
    item = shared(share("guide", file=("guide.pdf", make_pdf())))
    monkeypatch.setattr("hub.material.previews.shutil.which", lambda _name: None)
    assert run_previews() == 0
    assert rows(item)["main"].preview_state == "pending"
