"""Each privacy level × each kind of viewer, through the rule function and through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hub.auth.models import Role, User
from hub.directory.privacy import (
    can_view_person,
    listed_by_exclusion,
    listed_ids,
    listed_people,
    see_person,
)
from hub.extensions import db

VIEWERS = ("self", "member", "coordinator", "admin")
# level → viewers who see the field
EXPECTED = {
    "members": {"self", "member", "coordinator", "admin"},
    "coordinators": {"self", "coordinator", "admin"},
    "nobody": {"self"},
}


@pytest.fixture
def people(create_person, create_user):
    def make(level: str, hidden: bool = False):
        person = create_person(
            name="Petra Person",
            email="petra@laholm.se",
            phone="0430-123 45",
            email_visibility=level,
            phone_visibility=level,
            hidden=hidden,
        )
        viewers = {
            "self": person,
            "member": create_user(role=Role.MEMBER),
            "coordinator": create_user(role=Role.COORDINATOR),
            "admin": create_user(role=Role.ADMIN),
        }
        return person, viewers

    return make


def reload(user: User) -> User:
    return db.session.scalar(
        select(User)
        .where(User.id == user.id)
        .options(selectinload(User.profile))
        .execution_options(populate_existing=True)
    )


@pytest.mark.parametrize("level", EXPECTED)
@pytest.mark.parametrize("viewer_kind", VIEWERS)
def test_contact_fields_follow_the_chosen_level(people, level, viewer_kind):
    person, viewers = people(level)
    view = see_person(viewers[viewer_kind], reload(person))
    sees = viewer_kind in EXPECTED[level]
    assert view.can_view
    assert (view.email == "petra@laholm.se") is sees
    assert (view.phone == "0430-123 45") is sees
    assert view.is_self is (viewer_kind == "self")


@pytest.mark.parametrize("level", EXPECTED)
@pytest.mark.parametrize("viewer_kind", VIEWERS)
def test_person_page_and_vcard_show_only_what_the_viewer_may_see(
    client, login, people, level, viewer_kind
):
    person, viewers = people(level)
    login(viewers[viewer_kind])
    page = client.get(f"/katalog/{person.id}")
    card = client.get(f"/katalog/{person.id}.vcf")
    assert page.status_code == 200 and card.status_code == 200
    sees = viewer_kind in EXPECTED[level]
    for text in (page.text, card.text):
        assert ("petra@laholm.se" in text) is sees
        assert ("0430-123 45" in text) is sees


@pytest.mark.parametrize("viewer_kind", VIEWERS)
def test_hidden_profile_is_seen_only_by_self_and_admin(client, login, people, viewer_kind):
    person, viewers = people("members", hidden=True)
    login(viewers[viewer_kind])
    expected = 200 if viewer_kind in ("self", "admin") else 404
    assert client.get(f"/katalog/{person.id}").status_code == expected
    assert client.get(f"/katalog/{person.id}.vcf").status_code == expected
    listing = client.get("/katalog?q=petra")
    assert "Petra Person" not in listing.text
    assert "Petra Person" not in client.get("/kommun/1381").text


def test_hidden_profile_shows_a_note_to_its_owner(client, login, people):
    person, _viewers = people("members", hidden=True)
    login(person)
    assert "Din profil är dold i katalogen" in client.get(f"/katalog/{person.id}").text


def test_deactivated_people_are_not_listed(client, login, create_person, create_user):
    gone = create_person(name="Gunnar Gone")
    gone.active = False
    db.session.commit()
    login(create_user())
    assert "Gunnar Gone" not in client.get("/katalog").text
    assert client.get(f"/katalog/{gone.id}").status_code == 404


def test_a_topic_counts_and_lists_neither_deactivated_nor_hidden_experts(
    client, login, create_person, create_user
):
    """A topic's count reads its experts from the topic's index and leaves out the deactivated
    accounts and hidden profiles by their ids (``privacy.listed_ids``), not from each expert's
    row: the same people as the list shows."""
    create_person(name="Ada Aktiv", tags=("Surfplattor",))
    gone = create_person(name="Gunnar Gone", tags=("Surfplattor",))
    gone.active = False
    create_person(name="Hilda Hidden", tags=("Surfplattor",), hidden=True)
    db.session.commit()
    login(create_user())
    page = client.get("/katalog?tagg=surfplattor").text
    assert 'Personer <span class="muted">(1)</span>' in page
    assert "Ada Aktiv" in page and "Gunnar Gone" not in page and "Hilda Hidden" not in page


def test_person_without_profile_has_members_defaults(create_user):
    person = create_user(name="Utan Profil")
    view = see_person(create_user(), reload(person))
    assert view.can_view and view.email == person.email and view.phone is None


def test_anonymous_sees_nothing(create_person):
    from flask_login import AnonymousUserMixin

    person = create_person()
    assert not see_person(AnonymousUserMixin(), reload(person)).can_view


def test_the_listed_peoples_forms_agree_on_the_same_people(create_person, create_user):
    """The rule "listed" is written four ways: joined to the profile (``listed_people``, every
    list and lookup of people), against the hidden profiles' ids (``listed_by_exclusion``, the
    directory's counts), by ids alone (``listed_ids``, a topic's experts counted from its index)
    and in Python (``can_view_person``, a person's page). Over every mix of active, profile and
    hidden they list the same people."""
    cases = {}
    for active in (True, False):
        for profile in ("none", "shown", "hidden"):
            name = f"{'Aktiv' if active else 'Avslutad'} {profile}"
            if profile == "none":
                person = create_user(name=name)
            else:
                person = create_person(name=name, hidden=profile == "hidden")
            person.active = active
            cases[person.id] = active and profile != "hidden"
    viewer = create_user(name="Vera Läsare")
    db.session.commit()
    expected = {person_id for person_id, listed in cases.items() if listed} | {viewer.id}
    forms = {
        "listed_people": listed_people().with_only_columns(User.id),
        "listed_by_exclusion": select(User.id).where(listed_by_exclusion()),
        "listed_ids": select(User.id).where(listed_ids(User.id)),
    }
    ours = User.id.in_([*cases, viewer.id])
    for form, statement in forms.items():
        assert set(db.session.scalars(statement.where(ours))) == expected, form
    others = [reload(db.session.get(User, person_id)) for person_id in cases]
    shown = {person.id for person in others if can_view_person(viewer, person)}
    assert shown | {viewer.id} == expected
