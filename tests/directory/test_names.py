from __future__ import annotations

from sqlalchemy import insert, select

from hub.auth.models import User
from hub.directory.listing import find_people_by_name
from hub.directory.names import normalise_name
from hub.extensions import db


def test_normalise_name():
    assert normalise_name("  ÅSA   Öberg ") == "åsa öberg"


def test_name_key_follows_the_name(create_user):
    user = create_user(name="Bo Ek")
    assert user.name_key == "bo ek"
    user.name = "Britt  EK"
    assert user.name_key == "britt ek"


def test_bulk_inserted_users_get_a_name_key(app):
    db.session.execute(insert(User), [{"email": "bulk@laholm.se", "name": "Bulk BERTIL"}])
    key = db.session.scalar(select(User.name_key).where(User.email == "bulk@laholm.se"))
    assert key == "bulk bertil"


def test_find_people_by_name(create_person):
    create_person(name="Sixten Sök")
    create_person(name="Sixten Dold", hidden=True)
    assert [p.name for p in find_people_by_name("six")] == ["Sixten Sök"]
    assert find_people_by_name("  ") == []
