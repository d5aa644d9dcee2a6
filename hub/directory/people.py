"""Loading one person, a municipality and a network for the directory pages, permission-checked."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from hub.auth.models import Role, User
from hub.directory.models import Municipality, Profile, ProfilePhoto
from hub.directory.names import remove_control_characters
from hub.directory.privacy import PersonView, listed_condition, see_person
from hub.extensions import db
from hub.forum.models import Answer, Question
from hub.meetings.models import Network, NetworkMunicipality, network_coordinator

RECENT_POSTS = 5


@dataclass
class PersonPage:
    person: User
    view: PersonView
    questions: list[Question]
    answers: list[Answer]
    networks: list[Network]


def load_person(user_id: int) -> User | None:
    return db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .options(
            joinedload(User.profile).selectinload(Profile.care_areas),
            joinedload(User.profile).selectinload(Profile.expertise),
            joinedload(User.municipality).joinedload(Municipality.region),
            joinedload(User.unit),
            joinedload(User.role_type),
        )
        .execution_options(populate_existing=True)
    )


def get_person_for(viewer: User, user_id: int) -> tuple[User, PersonView]:
    """The person and what the viewer sees of them; 404 if the viewer may not see them at all,
    so that a hidden profile cannot be told apart from one that does not exist."""
    person = load_person(user_id)
    if person is None:
        abort(404)
    view = see_person(viewer, person)
    if not view.can_view:
        abort(404)
    return person, view


def networks_of(municipality_code: str | None) -> list[Network]:
    if not municipality_code:
        return []
    return list(
        db.session.scalars(
            select(Network)
            .join(NetworkMunicipality, NetworkMunicipality.network_id == Network.id)
            .where(
                NetworkMunicipality.municipality_code == municipality_code,
                NetworkMunicipality.active.is_(True),
            )
            .order_by(Network.name, Network.id)
        )
    )


def recent_questions(user_id: int) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question)
            .where(
                Question.author_id == user_id,
                Question.deleted_at.is_(None),
                Question.hidden.is_(False),
            )
            .order_by(Question.created_at.desc(), Question.id.desc())
            .limit(RECENT_POSTS)
        )
    )


def recent_answers(user_id: int) -> list[Answer]:
    return list(
        db.session.scalars(
            select(Answer)
            .join(Answer.question)
            .where(
                Answer.author_id == user_id,
                Answer.deleted_at.is_(None),
                Answer.hidden.is_(False),
                Question.deleted_at.is_(None),
                Question.hidden.is_(False),
            )
            .options(contains_eager(Answer.question))
            .order_by(Answer.created_at.desc(), Answer.id.desc())
            .limit(RECENT_POSTS)
        )
    )


def person_page(viewer: User, user_id: int) -> PersonPage:
    person, view = get_person_for(viewer, user_id)
    return PersonPage(
        person=person,
        view=view,
        questions=recent_questions(person.id),
        answers=recent_answers(person.id),
        networks=networks_of(person.municipality_code),
    )


def get_photo_for(viewer: User, user_id: int) -> tuple[ProfilePhoto, int]:
    """The stored photo and its version, if the viewer may see the person; else 404."""
    row = db.session.execute(
        select(User, ProfilePhoto)
        .join(Profile, Profile.user_id == User.id)
        .join(ProfilePhoto, ProfilePhoto.user_id == User.id)
        .where(User.id == user_id)
        .options(contains_eager(User.profile))
    ).first()
    if row is None or not see_person(viewer, row[0]).photo:
        abort(404)
    return row[1], row[0].profile.photo_version


def get_municipality(code: str) -> Municipality:
    municipality = None
    if code.isascii() and code.isdigit() and len(code) == 4:
        municipality = db.session.scalar(
            select(Municipality)
            .where(Municipality.scb_code == code)
            .options(joinedload(Municipality.region))
        )
    if municipality is None:
        abort(404)
    return municipality


def exportable_network_ids(viewer: User, networks: list[Network]) -> set[int]:
    """Which of these networks' member lists the viewer may download (see the CSV export)."""
    if viewer.role == Role.ADMIN:
        return {network.id for network in networks}
    if not networks:
        return set()
    return set(
        db.session.scalars(
            select(network_coordinator.c.network_id).where(
                network_coordinator.c.user_id == viewer.id,
                network_coordinator.c.network_id.in_([network.id for network in networks]),
            )
        )
    )


def get_network_for_export(viewer: User, slug: str) -> Network:
    """The network, if the viewer coordinates it or is an admin; else 403 (404 if unknown)."""
    if len(slug) > 80 or remove_control_characters(slug) != slug:
        abort(404)  # PostgreSQL would refuse to even compare a NUL
    network = db.session.scalar(
        select(Network)
        .where(Network.slug == slug)
        .options(selectinload(Network.coordinators), selectinload(Network.members))
    )
    if network is None:
        abort(404)
    if viewer.role != Role.ADMIN and viewer.id not in {c.id for c in network.coordinators}:
        abort(403)
    return network


def network_people(network: Network) -> list[User]:
    """The listed people of the network's active member municipalities, by municipality, name."""
    codes = [member.municipality_code for member in network.members if member.active]
    return list(
        db.session.scalars(
            select(User)
            .outerjoin(Profile, Profile.user_id == User.id)
            .join(Municipality, Municipality.scb_code == User.municipality_code)
            .where(listed_condition(), User.municipality_code.in_(codes))
            .options(
                contains_eager(User.profile),
                contains_eager(User.municipality),
                joinedload(User.unit),
                joinedload(User.role_type),
            )
            .order_by(Municipality.name, User.name_key, User.id)
        )
    )
