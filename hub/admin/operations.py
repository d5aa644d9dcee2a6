"""Rules for the admin area: reference data, networks, forum categories and accounts.

Functions flush but never commit; the view commits once. A broken rule raises ``FieldError``
naming the form field the message belongs next to, so a duplicate is a field error, not a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from hub.auth.accounts import end_all_sessions, find_user_by_email
from hub.auth.models import Role, SignInTenant, TenantKind, User
from hub.core.rules import RuleError
from hub.directory.models import EmailDomain, Municipality, Region, Unit
from hub.extensions import db
from hub.forum.models import Category, Question
from hub.meetings import rotation as baton
from hub.meetings.models import BatonPass, Meeting, Network, NetworkMunicipality

ACCOUNTS_PER_PAGE = 50

# A host name of at least two labels, each 1–63 letters, digits or inner hyphens, ending in a
# letter-only top-level label; the same rule mail servers apply to domains.
DOMAIN_RE = re.compile(r"^(?=.{4,120}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class FieldError(RuleError):
    """An admin rule said no; ``field`` is the form field the message belongs next to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


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


def flush_unique(field: str, message: str) -> None:
    """Flush, turning a unique-constraint race (two admins at once) into a field error."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise FieldError(field, message) from error


# --- Regions and municipalities ------------------------------------------------------------


def list_regions_with_municipalities() -> list[Region]:
    return list(
        db.session.scalars(
            select(Region).options(selectinload(Region.municipalities)).order_by(Region.code)
        )
    )


def list_regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


def create_region(code: str, name: str) -> Region:
    if db.session.get(Region, code) is not None:
        raise FieldError("code", _("Det finns redan ett län med koden %(code)s.", code=code))
    if db.session.scalar(select(exists().where(func.lower(Region.name) == name.lower()))):
        raise FieldError("name", _("Det finns redan ett län som heter %(name)s.", name=name))
    region = Region(code=code, name=name)
    db.session.add(region)
    flush_unique("code", _("Det finns redan ett län med koden %(code)s.", code=code))
    return region


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


def create_municipality(scb_code: str, name: str, region_code: str) -> Municipality:
    duplicate = _("Det finns redan en kommun med koden %(code)s.", code=scb_code)
    if db.session.get(Municipality, scb_code) is not None:
        raise FieldError("scb_code", duplicate)
    if db.session.get(Region, region_code) is None:
        raise FieldError("region_code", _("Välj ett län i listan."))
    municipality = Municipality(scb_code=scb_code, name=name, region_code=region_code)
    db.session.add(municipality)
    flush_unique("scb_code", duplicate)
    return municipality


def rename_municipality(municipality: Municipality, name: str) -> None:
    municipality.name = name
    db.session.flush()


def normalise_domain(domain: str) -> str:
    return domain.strip().lower().removeprefix("@").rstrip(".")


def check_domain(domain: str) -> None:
    if not DOMAIN_RE.match(domain):
        raise FieldError(
            "domain", _("Skriv en domän som kungsbacka.se, utan @ och utan mellanslag.")
        )


def add_email_domain(municipality: Municipality, raw_domain: str) -> EmailDomain:
    domain = normalise_domain(raw_domain)
    check_domain(domain)
    existing = db.session.get(EmailDomain, domain)
    if existing is not None:
        raise FieldError(
            "domain",
            _(
                "Domänen %(domain)s hör redan till kommun nummer %(code)s.",
                domain=domain,
                code=existing.municipality_code,
            ),
        )
    email_domain = EmailDomain(domain=domain, municipality_code=municipality.scb_code)
    db.session.add(email_domain)
    flush_unique("domain", _("Domänen finns redan."))
    return email_domain


def remove_email_domain(municipality: Municipality, domain: str) -> bool:
    email_domain = db.session.get(EmailDomain, domain)
    if email_domain is None or email_domain.municipality_code != municipality.scb_code:
        return False
    db.session.delete(email_domain)
    db.session.flush()
    return True


# --- Sign-in with the municipality's own account -----------------------------------------------

ENTRA_TENANT_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def normalise_tenant_key(kind: str, key: str) -> str:
    key = key.strip()
    return key.lower() if kind == TenantKind.ENTRA else key


def check_tenant_key(kind: str, key: str) -> None:
    """Entra tenant ids are GUIDs; issuers are https addresses (plain http only on loopback, for
    trying things out); SAML entity ids are anything without spaces."""
    if kind not in set(TenantKind):
        raise FieldError("kind", _("Välj ett slags inloggning i listan."))
    if kind == TenantKind.ENTRA:
        if not ENTRA_TENANT_RE.match(key):
            raise FieldError(
                "key",
                _(
                    "Skriv klientorganisationens id som det står i Entra, "
                    "t.ex. 72f988bf-86f1-41af-91ab-2d7cd011db47."
                ),
            )
    elif kind == TenantKind.ISSUER:
        parts = urlsplit(key)
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in LOOPBACK_HOSTS
        )
        if not (secure and parts.netloc) or any(c.isspace() for c in key):
            raise FieldError(
                "key", _("Skriv utfärdarens adress, som börjar med https://, utan mellanslag.")
            )
    elif any(c.isspace() for c in key):
        raise FieldError("key", _("Skriv identitetsleverantörens entity ID, utan mellanslag."))


def list_sign_in_tenants(municipality: Municipality) -> list[SignInTenant]:
    return list(
        db.session.scalars(
            select(SignInTenant)
            .where(SignInTenant.municipality_code == municipality.scb_code)
            .order_by(SignInTenant.kind, SignInTenant.key)
        )
    )


def add_sign_in_tenant(municipality: Municipality, kind: str, raw_key: str) -> SignInTenant:
    """Let the people of a tenant (or identity provider) sign in as members of ``municipality``."""
    key = normalise_tenant_key(kind, raw_key)
    check_tenant_key(kind, key)
    existing = db.session.scalar(
        select(SignInTenant).where(SignInTenant.kind == kind, SignInTenant.key == key)
    )
    if existing is not None:
        raise FieldError(
            "key",
            _(
                "Den hör redan till kommun nummer %(code)s.",
                code=existing.municipality_code,
            ),
        )
    tenant = SignInTenant(kind=kind, key=key, municipality_code=municipality.scb_code)
    db.session.add(tenant)
    flush_unique("key", _("Den finns redan."))
    return tenant


def remove_sign_in_tenant(municipality: Municipality, tenant_id: int) -> SignInTenant | None:
    tenant = db.session.get(SignInTenant, tenant_id)
    if tenant is None or tenant.municipality_code != municipality.scb_code:
        return None
    db.session.delete(tenant)
    db.session.flush()
    return tenant


def get_unit(municipality: Municipality, unit_id: int) -> Unit | None:
    unit = db.session.get(Unit, unit_id)
    return unit if unit is not None and unit.municipality_code == municipality.scb_code else None


def check_unit_name_free(municipality: Municipality, name: str, unit: Unit | None = None) -> None:
    query = select(Unit.id).where(
        Unit.municipality_code == municipality.scb_code, func.lower(Unit.name) == name.lower()
    )
    if unit is not None:
        query = query.where(Unit.id != unit.id)
    if db.session.scalar(query) is not None:
        raise FieldError("name", _("Kommunen har redan en enhet som heter %(name)s.", name=name))


def add_unit(municipality: Municipality, name: str) -> Unit:
    check_unit_name_free(municipality, name)
    unit = Unit(municipality_code=municipality.scb_code, name=name)
    db.session.add(unit)
    db.session.flush()
    return unit


def rename_unit(unit: Unit, municipality: Municipality, name: str) -> None:
    check_unit_name_free(municipality, name, unit)
    unit.name = name
    db.session.flush()


def unit_in_use(unit: Unit) -> bool:
    return bool(db.session.scalar(select(exists().where(User.unit_id == unit.id))))


def remove_unit(unit: Unit) -> bool:
    """Only an unused unit goes; people who name it as their workplace keep it."""
    if unit_in_use(unit):
        return False
    db.session.delete(unit)
    db.session.flush()
    return True


# --- Networks ------------------------------------------------------------------------------


def check_slug(slug: str) -> None:
    if not SLUG_RE.match(slug):
        raise FieldError(
            "slug", _("Använd bara små bokstäver a–z, siffror och bindestreck, t.ex. halland.")
        )


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


def check_network_slug_free(slug: str, network: Network | None = None) -> None:
    query = select(Network.id).where(Network.slug == slug)
    if network is not None:
        query = query.where(Network.id != network.id)
    if db.session.scalar(query) is not None:
        raise FieldError("slug", _("Adressnamnet %(slug)s används redan.", slug=slug))


def create_network(name: str, slug: str, description: str, rhythm_months: int) -> Network:
    check_slug(slug)
    check_network_slug_free(slug)
    network = Network(name=name, slug=slug, description=description, rhythm_months=rhythm_months)
    db.session.add(network)
    flush_unique("slug", _("Adressnamnet %(slug)s används redan.", slug=slug))
    return network


def update_network(
    network: Network, name: str, slug: str, description: str, rhythm_months: int
) -> None:
    check_slug(slug)
    check_network_slug_free(slug, network)
    network.name = name
    network.slug = slug
    network.description = description
    network.rhythm_months = rhythm_months
    flush_unique("slug", _("Adressnamnet %(slug)s används redan.", slug=slug))


def rotation(network: Network) -> list[NetworkMunicipality]:
    """Active members in rotation order, then the ones that have left."""
    return sorted(network.members, key=lambda m: (not m.active, m.position, m.id or 0))


def renumber(network: Network) -> None:
    for position, member in enumerate(rotation(network)):
        member.position = position


def add_network_member(
    network: Network, municipality_code: str, by_user: User | None = None
) -> NetworkMunicipality:
    if db.session.get(Municipality, municipality_code) is None:
        raise FieldError("municipality_code", _("Välj en kommun i listan."))
    member = next((m for m in network.members if m.municipality_code == municipality_code), None)
    if member is not None and member.active:
        raise FieldError("municipality_code", _("Kommunen är redan med i nätverket."))
    last = max((m.position for m in network.members if m.active), default=-1)
    if member is None:
        member = NetworkMunicipality(municipality_code=municipality_code, position=last + 1)
        network.members.append(member)
    else:  # it left once and comes back: it keeps its history, at the end of the rotation
        member.active = True
        member.position = last + 1
    renumber(network)
    db.session.flush()
    if network.baton_holder_code is None:
        baton.ensure_holder(network, by=by_user)
    return member


def find_member(network: Network, municipality_code: str) -> NetworkMunicipality | None:
    return next((m for m in network.members if m.municipality_code == municipality_code), None)


def move_network_member(network: Network, member: NetworkMunicipality, step: int) -> bool:
    """Swap a member with its active neighbour; ``step`` is -1 (earlier) or +1 (later)."""
    order = [m for m in rotation(network) if m.active]
    if member not in order:
        return False
    index = order.index(member)
    target = index + step
    if not 0 <= target < len(order):
        return False
    order[index], order[target] = order[target], order[index]
    for position, m in enumerate(order):
        m.position = position
    renumber(network)
    db.session.flush()
    return True


def has_history(network: Network, municipality_code: str) -> bool:
    """Has the municipality held the baton or hosted a meeting in this network?"""
    passed = exists().where(
        BatonPass.network_id == network.id,
        or_(BatonPass.from_code == municipality_code, BatonPass.to_code == municipality_code),
    )
    hosted = exists().where(
        Meeting.network_id == network.id, Meeting.host_code == municipality_code
    )
    return bool(db.session.scalar(select(or_(passed, hosted))))


def remove_network_member(network: Network, member: NetworkMunicipality, by_user: User) -> str:
    """Delete the member, or mark it inactive if the network's history names it.

    Returns "deleted" or "deactivated". If it held the baton, the baton goes to the next active
    member in the rotation first, so the network is never left waiting for someone who has left.
    """
    baton.municipality_leaving(network, member.municipality_code, by=by_user)
    if has_history(network, member.municipality_code):
        member.active = False
        outcome = "deactivated"
    else:
        network.members.remove(member)
        outcome = "deleted"
    renumber(network)
    db.session.flush()
    return outcome


def add_coordinator(network: Network, email: str) -> User:
    """A member who becomes a coordinator also gets the coordinator role; admins stay admins."""
    user = find_user_by_email(email)
    if user is None:
        raise FieldError("email", _("Det finns inget konto med den e-postadressen."))
    if not user.active:
        raise FieldError("email", _("Kontot är inaktiverat."))
    if user in network.coordinators:
        raise FieldError("email", _("%(name)s är redan samordnare här.", name=user.name))
    network.coordinators.append(user)
    if user.role == Role.MEMBER:
        user.role = Role.COORDINATOR
    db.session.flush()
    return user


def remove_coordinator(network: Network, user_id: int) -> User | None:
    user = next((u for u in network.coordinators if u.id == user_id), None)
    if user is not None:
        network.coordinators.remove(user)
        db.session.flush()
    return user


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


def check_category_slug_free(slug: str, category: Category | None = None) -> None:
    query = select(Category.id).where(Category.slug == slug)
    if category is not None:
        query = query.where(Category.id != category.id)
    if db.session.scalar(query) is not None:
        raise FieldError("slug", _("Adressnamnet %(slug)s används redan.", slug=slug))


def save_category(
    category: Category | None, name: str, slug: str, description: str, position: int
) -> Category:
    check_slug(slug)
    check_category_slug_free(slug, category)
    if category is None:
        category = Category()
        db.session.add(category)
    category.name = name
    category.slug = slug
    category.description = description
    category.position = position
    flush_unique("slug", _("Adressnamnet %(slug)s används redan.", slug=slug))
    return category


def category_is_empty(category: Category) -> bool:
    # Deleted and hidden questions count too: they still point at the category.
    return not db.session.scalar(select(exists().where(Question.category_id == category.id)))


def delete_category(category: Category) -> bool:
    if not category_is_empty(category):
        return False
    db.session.delete(category)
    db.session.flush()
    return True


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


def active_admin_ids(lock: bool = False) -> list[int]:
    query = select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
    if lock:  # two admins demoting each other at once must not leave none (PostgreSQL)
        query = query.with_for_update()
    return list(db.session.scalars(query))


def check_not_last_admin(user: User) -> None:
    if user.role == Role.ADMIN and user.active and active_admin_ids(lock=True) == [user.id]:
        raise FieldError(
            "role",
            _("Du är den enda administratören. Gör någon annan till administratör först."),
        )


def change_role(user: User, role: str) -> None:
    if role not in set(Role):
        raise FieldError("role", _("Välj en roll i listan."))
    if role != Role.ADMIN:
        check_not_last_admin(user)
    user.role = role
    db.session.flush()


def deactivate_account(user: User, by_user: User) -> None:
    if user.id == by_user.id:
        raise FieldError("active", _("Du kan inte inaktivera ditt eget konto."))
    check_not_last_admin(user)
    user.active = False
    end_all_sessions(user)
    db.session.flush()


def reactivate_account(user: User) -> None:
    user.active = True
    db.session.flush()
