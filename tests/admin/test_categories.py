"""Forum categories."""

from __future__ import annotations

from sqlalchemy import select

from hub.extensions import db
from hub.forum.models import Category, Question

NEW = {
    "name": "Läkemedelsrobotar",
    "slug": "lakemedelsrobotar",
    "description": "Om robotar.",
    "position": "2",
}


def category(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def test_create_and_edit_category(client, admin, post):
    assert post("/admin/kategorier/ny", **NEW).status_code == 302
    created = category("lakemedelsrobotar")
    assert created.position == 2
    assert "Läkemedelsrobotar" in client.get("/admin/kategorier").text

    url = f"/admin/kategorier/{created.id}"
    assert client.get(url).status_code == 200
    assert post(url, **{**NEW, "name": "Robotar", "slug": "robotar"}).status_code == 302
    db.session.refresh(created)
    assert (created.name, created.slug) == ("Robotar", "robotar")


def test_category_validation_and_duplicates(admin, post):
    post("/admin/kategorier/ny", **NEW)
    response = post("/admin/kategorier/ny", **{**NEW, "name": "Andra robotar"})
    assert response.status_code == 400
    assert "Adressnamnet lakemedelsrobotar används redan." in response.text
    assert 'value="Andra robotar"' in response.text

    response = post("/admin/kategorier/ny", **{**NEW, "name": "", "position": "-1", "slug": "Å"})
    assert response.status_code == 400
    assert "Skriv kategorins namn." in response.text
    assert "Välj ett tal mellan 0 och 1000." in response.text
    assert "Använd bara små bokstäver" in response.text
    assert "Om robotar." in response.text


def test_delete_only_an_empty_category(client, admin, post, create_user):
    post("/admin/kategorier/ny", **NEW)
    full = category("lakemedelsrobotar")
    db.session.add(
        Question(
            category_id=full.id,
            author_id=admin.id,
            title="Hur?",
            body_source="Hur gör man?",
            body_html="<p>Hur gör man?</p>",
        )
    )
    db.session.commit()
    response = post(f"/admin/kategorier/{full.id}/ta-bort")
    assert response.status_code == 409
    assert "Det finns frågor i kategorin." in response.text
    assert category("lakemedelsrobotar") is not None

    post("/admin/kategorier/ny", **{**NEW, "slug": "tom"})
    empty = category("tom")
    assert post(f"/admin/kategorier/{empty.id}/ta-bort").status_code == 302
    assert category("tom") is None


def test_editing_to_a_taken_slug_is_a_field_error(client, admin, post):
    post("/admin/kategorier/ny", **NEW)
    post("/admin/kategorier/ny", **{**NEW, "name": "Appar", "slug": "appar"})
    apps = category("appar")
    response = post(f"/admin/kategorier/{apps.id}", **{**NEW, "name": "Appar och robotar"})
    assert response.status_code == 400
    assert "Adressnamnet lakemedelsrobotar används redan." in response.text
    assert 'value="Appar och robotar"' in response.text
    db.session.refresh(apps)
    assert (apps.name, apps.slug) == ("Appar", "appar")
