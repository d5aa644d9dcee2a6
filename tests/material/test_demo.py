"""The library's demo: an ethics film with captions, its guide as a PDF, a how-to page, a link."""

from __future__ import annotations

import random

from PIL import Image
from sqlalchemy import select

from hub.auth.models import Role
from hub.extensions import db
from hub.material import demo
from hub.material.models import MaterialFile, MaterialItem


def test_the_demo_library_is_made_with_real_files(app, create_user, material_dir):
    create_user(email="samordnare@demo.stafetten.se", role=Role.COORDINATOR)
    lines = list(demo.seed(random.Random(1381), "small"))
    assert lines == [
        "Material: en film med textning.",
        "Material: 3 poster till, 2 förhandsbilder.",
    ]
    items = {i.kind: i for i in db.session.scalars(select(MaterialItem))}
    assert set(items) == {"film", "guide", "howto", "link"}
    assert items["film"].captions_ok
    files = {(f.item_id, f.role): f for f in db.session.scalars(select(MaterialFile))}
    film_file = files[(items["film"].id, "main")]
    assert film_file.content_type == "video/mp4" and film_file.size > 1000
    guide = files[(items["guide"].id, "main")]
    assert (material_dir / guide.storage_key).read_bytes().startswith(b"%PDF-1.4")
    with Image.open(material_dir / files[(items["guide"].id, "preview")].storage_key) as image:
        assert image.format == "PNG"
    assert list(demo.seed(random.Random(1381), "small")) == []  # idempotent


def test_without_ffmpeg_the_demo_goes_on_without_the_film(
    app, create_user, material_dir, monkeypatch
):
    create_user(email="samordnare@demo.stafetten.se", role=Role.COORDINATOR)
    monkeypatch.setattr("hub.material.demo.shutil.which", lambda _name: None)
    lines = list(demo.seed(random.Random(1381), "small"))
    assert lines[0] == "Material: ffmpeg saknas, demofilmen hoppas över."
    kinds = set(db.session.scalars(select(MaterialItem.kind)))
    assert kinds == {"guide", "howto", "link"}


def test_no_demo_without_the_demo_coordinator(app):
    assert list(demo.seed(random.Random(1381), "small")) == []
