"""Faces and person rows (issue 17): the Python avatar, role line and person list write the same
HTML as the Jinja macros they replaced, kept below as the reference, for ORM users (the question
page) and the directory's rows alike."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from hub.auth.models import Role
from hub.directory import listing, membership
from hub.directory.faces import avatar, initials, role_line
from hub.directory.models import Profile, Unit
from hub.extensions import db

# directory/_macros.html before issue 17, word for word.
REFERENCE = (Path(__file__).parent / "reference_macros.html").read_text()


def reference(app, call: str, **values) -> str:
    macros = app.jinja_env.from_string(REFERENCE).make_module()
    names = {name: getattr(macros, name) for name in ("avatar", "role_line", "person_list")}
    return app.jinja_env.from_string("{{ " + call + " }}").render(**names, **values)


def current(app, call: str, **values) -> str:
    source = '{% from "directory/_macros.html" import avatar, role_line, person_list %}'
    return app.jinja_env.from_string(source + "{{ " + call + " }}").render(**values)


def user_like(**fields) -> SimpleNamespace:
    """A User as the question page hands it over: profile and role type loaded."""
    profile = fields.pop("profile", None)
    if profile is not None:
        profile = SimpleNamespace(**profile, has_photo=profile["photo_version"] > 0)
    role = fields.pop("role", None)
    person = {"id": 7, "name": "Anna Ek", "title": ""} | fields
    return SimpleNamespace(
        **person, profile=profile, role_type=SimpleNamespace(name=role) if role else None
    )


PEOPLE = [
    user_like(),
    user_like(name="anna  b. öst", profile={"photo_version": 0}),
    user_like(name="<b>Å", profile={"photo_version": 3}, role="Samordnare"),
    user_like(name="Ett", title="Samordnare", role="samordnare"),  # the same in other case
    user_like(title="<i>Chef</i> & co", role="Samordnare"),
    user_like(title="", role="Digitaliseringsombud"),
    user_like(name=" ", title=None),
]


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("locale", ["sv", "en"])
def test_faces_write_the_macros_html(app, person, locale):
    with app.test_request_context(), force(locale):
        for call in ("avatar(p)", 'avatar(p, "large")', "role_line(p)"):
            assert current(app, call, p=person) == reference(app, call, p=person), call


def force(locale: str):
    from flask_babel import force_locale

    return force_locale(locale)


def test_initials():
    assert initials("Anna Berit Öst") == "AÖ"
    assert initials("anna") == "A"
    assert initials("") == ""


def test_a_row_and_a_user_show_the_same_face(app):
    row = listing.PersonRow(
        id=7, name="Anna Ek", title="", role_name="Samordnare", municipality_code=None,
        municipality_name=None, unit_name=None, has_profile=True, workplace="", photo_version=2,
    )  # fmt: skip
    user = user_like(profile={"photo_version": 2}, role="Samordnare")
    with app.test_request_context("/", base_url="http://localhost/hubb"):
        assert avatar(row) == avatar(user)
        assert 'src="/hubb/katalog/7/foto?v=2"' in avatar(row)
        assert role_line(row) == role_line(user) == "Samordnare"


@pytest.fixture
def listed(app, create_person, create_user, create_network, login):
    """People with every part a row can have, a waiting change, and a coordinator reading."""
    unit = Unit(municipality_code="0180", name="Södermalm <stadsdel>")
    db.session.add(unit)
    db.session.flush()
    people = [
        create_person(
            name="Anna Ahl", municipality_code="1381", role_type_slug="digitaliseringsombud",
            areas=("funktionshinder", "aldreomsorg"), tags=("Surfplattor", "Digitala lås", "Appar"),
        ),
        create_person(
            name="Bo <Ceder>", title="Chef & samordnare", municipality_code="0180",
            unit_id=unit.id, workplace="Café <Solen>", role_type_slug="samordnare",
        ),
        create_person(
            name="Cia Dahl", municipality_code="1383", workplace="", areas=("aldreomsorg",)
        ),
        create_user(name="Dan Utan Profil", municipality_code="1384", role_type_slug="annan"),
        create_person(name="Eva Flytt", municipality_code="1381", tags=("Appar",)),
    ]  # fmt: skip
    db.session.get(Profile, people[0].id).photo_version = 4
    viewer = create_user(name="Öberg Läsare", role=Role.COORDINATOR)
    create_network(slug="halland", codes=("1381", "1383"), coordinators=[viewer])
    db.session.commit()
    with app.test_request_context():
        assert membership.choose_municipality(people[4], "1383", None)  # waits for approval
    db.session.commit()
    login(viewer)
    return viewer


def orm_people(ids: list[int]) -> list:
    """The people as the list loaded them before: ORM users with everything the macro reads."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from hub.auth.models import User

    users = db.session.scalars(
        select(User)
        .where(User.id.in_(ids))
        .options(
            joinedload(User.profile).selectinload(Profile.care_areas),
            joinedload(User.profile).selectinload(Profile.expertise),
            joinedload(User.municipality),
            joinedload(User.unit),
            joinedload(User.role_type),
        )
    ).unique()
    by_id = {user.id: user for user in users}
    return [by_id[i] for i in ids]


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_the_list_writes_what_the_orm_macro_wrote(app, listed, locale):
    with app.test_request_context(), force(locale):
        page = listing.list_people(listing.DirectoryFilters(), 1, 50)
        changes = membership.changes_shown_to(listed, page.items)
        old = orm_people([person.id for person in page.items])
        new_html = current(app, "person_list(people, changes)", people=page.items, changes=changes)
        old_html = reference(app, "person_list(people, changes)", people=old, changes=changes)
    assert new_html == old_html
    assert "Café &lt;Solen&gt;" in new_html and "(Södermalm &lt;stadsdel&gt;)" in new_html
    assert len(re.findall(r'class="person-row"', new_html)) == 6
    assert 'class="pending-change"' in new_html and 'src="/katalog/' in new_html


def test_a_kept_row_is_written_anew_when_what_it_shows_changes(app, listed):
    """Rows are kept per language, address prefix and everything they show (``faces._kept_rows``):
    a second language, a moved hub, a changed profile or a waiting change each write their own."""
    from hub.directory.faces import person_list

    def written(locale: str, base: str = "http://localhost/") -> str:
        with app.test_request_context("/", base_url=base), force(locale):
            return person_list(listing.list_people(listing.DirectoryFilters(), 1, 50).items)

    swedish, english = written("sv"), written("en")
    assert "Äldreomsorg" in swedish and "Elderly care" in english and "Äldreomsorg" not in english
    assert written("sv") == swedish  # kept
    assert 'href="/hubb/katalog/' in written("sv", "http://localhost/hubb/")
    from sqlalchemy import select

    from hub.auth.models import User

    anna = db.session.scalar(select(Profile).join(User).where(User.name == "Anna Ahl"))
    anna.workplace = "Nya <stället>"
    db.session.commit()
    assert "Nya &lt;stället&gt;" in written("sv") and "Nya" not in swedish


def test_a_waiting_change_is_written_afresh_and_never_kept(app, listed):
    """A row shown with its waiting change (to a reader who may decide it) is written afresh,
    not kept (``faces._kept_item``): the same person's row without it shows no change, before
    and after, and the kept rows of the others are what they were."""
    from hub.directory.faces import _kept_rows, person_list

    with app.test_request_context("/"):
        people = listing.list_people(listing.DirectoryFilters(), 1, 50).items
        changes = membership.changes_shown_to(listed, people)
        plain = person_list(people)
        kept = dict(_kept_rows)
        shown = person_list(people, changes)
        assert _kept_rows == kept  # nothing kept from the row with its change
        again = person_list(people)
    assert len(changes) == 1
    assert 'class="pending-change"' not in plain and again == plain
    assert shown.count('class="pending-change"') == 1
    rows = zip(person_rows(plain), person_rows(shown), strict=True)
    assert [people[i].id for i, (a, b) in enumerate(rows) if a != b] == list(changes)


def person_rows(page: str) -> list[str]:
    return page.split('<li class="person-row">')[1:]
