"""What the admin area reads: its start page's figures and the lists and getters behind its pages.

The changes themselves belong to the part that owns each table, and the admin area calls them:
regions, municipalities, domains and units in ``hub/directory/municipalities.py``; sign-in
tenants in ``hub/auth/tenants.py``; networks, members and coordinators in
``hub/meetings/networks.py``; forum categories in ``hub/forum/categories.py``; roles and access in
``hub/auth/accounts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from hub.auth.models import Role, User
from hub.directory.models import Municipality, Region
from hub.extensions import db
from hub.forum.models import Category, Question
from hub.meetings.models import Network, NetworkMunicipality

ACCOUNTS_PER_PAGE = 50


@dataclass(frozen=True)
class AdminCounts:
    municipalities: int
    networks: int
    categories: int
    active_accounts: int
    inactive_accounts: int


def count_everything() -> AdminCounts:
    """The start page's figures in one statement."""
    row = db.session.execute(
        select(
            select(func.count()).select_from(Municipality).scalar_subquery(),
            select(func.count()).select_from(Network).scalar_subquery(),
            select(func.count()).select_from(Category).scalar_subquery(),
            select(func.count()).select_from(User).where(User.active.is_(True)).scalar_subquery(),
            select(func.count()).select_from(User).where(User.active.is_(False)).scalar_subquery(),
        )
    ).one()
    return AdminCounts(*row)


# --- Regions and municipalities ------------------------------------------------------------


def list_regions_with_municipalities() -> list[Region]:
    return list(
        db.session.scalars(
            select(Region).options(selectinload(Region.municipalities)).order_by(Region.code)
        )
    )


def list_regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


def get_municipality(code: str) -> Municipality | None:
    return db.session.scalar(
        select(Municipality)
        .where(Municipality.scb_code == code)
        .options(
            joinedload(Municipality.region),
            selectinload(Municipality.email_domains),
            selectinload(Municipality.units),
        )
    )


# --- Networks ------------------------------------------------------------------------------


def list_networks() -> list[Network]:
    return list(
        db.session.scalars(
            select(Network)
            .options(
                selectinload(Network.members),
                selectinload(Network.coordinators),
                joinedload(Network.baton_holder),
            )
            .order_by(Network.name)
        )
    )


def get_network(network_id: int) -> Network | None:
    return db.session.scalar(
        select(Network)
        .where(Network.id == network_id)
        .options(
            selectinload(Network.members).joinedload(NetworkMunicipality.municipality),
            selectinload(Network.coordinators),
            joinedload(Network.baton_holder),
        )
    )


def municipality_choices(exclude: set[str] = frozenset()) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Municipality.scb_code, Municipality.name).order_by(Municipality.name)
    )
    return [(code, f"{name} ({code})") for code, name in rows if code not in exclude]


# --- Forum categories ------------------------------------------------------------------------


def list_categories() -> list[tuple[Category, int]]:
    question_count = (
        select(func.count(Question.id))
        .where(Question.category_id == Category.id)
        .correlate(Category)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Category, question_count).order_by(Category.position, Category.name)
    )
    return [(category, count) for category, count in rows]


# --- Accounts ----------------------------------------------------------------------------------


def search_accounts_query(text: str, role: str):
    """Accounts whose name (or a word in it) or email starts with ``text``, newest first."""
    query = select(User).options(joinedload(User.municipality))
    text = text.strip()
    if text:
        lowered = text.lower()
        # SQLite's lower() only folds ASCII, so "Åsa" is also tried as typed with a capital.
        capital = lowered[:1].upper() + lowered[1:]
        query = query.where(
            or_(
                func.lower(User.name).startswith(lowered, autoescape=True),
                User.name.startswith(capital, autoescape=True),
                func.lower(User.name).contains(" " + lowered, autoescape=True),
                User.name.contains(" " + capital, autoescape=True),
                User.email.startswith(lowered, autoescape=True),
            )
        )
    if role in set(Role):
        query = query.where(User.role == role)
    return query.order_by(User.name, User.id)


def get_account(user_id: int) -> User | None:
    return db.session.scalar(
        select(User).where(User.id == user_id).options(joinedload(User.municipality))
    )
