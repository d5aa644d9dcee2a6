"""The rules for a network itself: its name and address, its member municipalities in rotation
order, and its coordinators. The only writer of ``Network``, ``NetworkMunicipality`` and the
coordinator list; the baton that follows a change is ``rotation.py``'s. The admin area, the demo
and the tests' factories call them.

Functions flush, never commit; a broken rule raises ``RuleError`` at its form field.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select

from hub.auth import accounts
from hub.auth.models import User
from hub.core.db import flush_unique
from hub.core.links import check_address_name
from hub.core.rules import RuleError
from hub.directory.models import Municipality
from hub.extensions import db
from hub.meetings import rotation as baton
from hub.meetings.models import BatonPass, Meeting, Network, NetworkMunicipality


def check_network_slug_free(slug: str, network: Network | None = None) -> None:
    query = select(Network.id).where(Network.slug == slug)
    if network is not None:
        query = query.where(Network.id != network.id)
    if db.session.scalar(query) is not None:
        raise RuleError(_("Adressnamnet %(slug)s används redan.", slug=slug), field="slug")


def create_network(name: str, slug: str, description: str = "", rhythm_months: int = 3) -> Network:
    check_address_name(slug)
    check_network_slug_free(slug)
    network = Network(name=name, slug=slug, description=description, rhythm_months=rhythm_months)
    network.members = []
    network.coordinators = []
    db.session.add(network)
    flush_unique("slug", _("Adressnamnet %(slug)s används redan.", slug=slug))
    return network


def update_network(
    network: Network, name: str, slug: str, description: str, rhythm_months: int
) -> None:
    check_address_name(slug)
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


def find_member(network: Network, municipality_code: str) -> NetworkMunicipality | None:
    return next((m for m in network.members if m.municipality_code == municipality_code), None)


def add_network_member(
    network: Network, municipality_code: str, by_user: User | None = None
) -> NetworkMunicipality:
    """The municipality joins at the end of the rotation; the first member takes the baton."""
    if db.session.get(Municipality, municipality_code) is None:
        raise RuleError(_("Välj en kommun i listan."), field="municipality_code")
    member = find_member(network, municipality_code)
    if member is not None and member.active:
        raise RuleError(_("Kommunen är redan med i nätverket."), field="municipality_code")
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
    user = accounts.find_user_by_email(email)
    if user is None:
        raise RuleError(_("Det finns inget konto med den e-postadressen."), field="email")
    if not user.active:
        raise RuleError(_("Kontot är inaktiverat."), field="email")
    if user in network.coordinators:
        raise RuleError(_("%(name)s är redan samordnare här.", name=user.name), field="email")
    network.coordinators.append(user)
    accounts.promote_to_coordinator(user)
    db.session.flush()
    return user


def remove_coordinator(network: Network, user_id: int) -> User | None:
    user = next((u for u in network.coordinators if u.id == user_id), None)
    if user is not None:
        network.coordinators.remove(user)
        db.session.flush()
    return user
