"""The admin pages are sound HTML: unique ids, a label for every field, headings in order."""

from __future__ import annotations

from html.parser import HTMLParser

from hub.directory.models import Unit
from hub.extensions import db
from hub.forum.models import Category


class PageShape(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.fields: list[str] = []
        self.headings: list[int] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "label" and attributes.get("for"):
            self.label_for.add(attributes["for"])
        if tag in {"input", "select", "textarea"} and attributes.get("type") not in {
            "hidden",
            "submit",
        }:
            self.fields.append(attributes.get("id", "?"))
        if tag in {"h1", "h2", "h3", "h4"}:
            self.headings.append(int(tag[1]))


def test_admin_pages_are_sound(client, admin, create_network, create_user):
    coordinator = create_user(name="Sam Samordnare")
    network = create_network(coordinators=[coordinator])
    db.session.add(Category(slug="appar", name="Appar"))
    unit = Unit(municipality_code="1381", name="Hemtjänst")
    db.session.add(unit)
    db.session.commit()
    pages = [
        "/admin",
        "/admin/kommuner",
        "/admin/kommuner/ny",
        "/admin/lan/ny",
        "/admin/kommuner/1381",
        f"/admin/kommuner/1381/enheter/{unit.id}",
        "/admin/natverk",
        "/admin/natverk/ny",
        f"/admin/natverk/{network.id}",
        "/admin/kategorier",
        "/admin/kategorier/ny",
        "/admin/konton",
        f"/admin/konton/{coordinator.id}",
    ]
    for url in pages:
        shape = PageShape()
        shape.feed(client.get(url).text)
        assert len(shape.ids) == len(set(shape.ids)), (url, shape.ids)
        assert set(shape.fields) <= shape.label_for, (url, shape.fields)
        assert shape.headings.count(1) == 1, url
        for before, after in zip(shape.headings, shape.headings[1:], strict=False):
            assert after <= before + 1, (url, shape.headings)
