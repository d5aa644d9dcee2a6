"""Which municipality a member belongs to. The rights that follow from it (hosting, holding the
baton, taking part in a network) are decided in ``hub/auth/permissions.py``; this module is the
only writer of ``User.municipality_code`` after sign-up.

A member's municipality comes from the work e-mail domain at sign-up or from an invitation.
Choosing another one afterwards is a request that someone who may vouch for the new
municipality approves (its networks' coordinators, or an admin). While it waits the member
belongs to no municipality. Functions flush, never commit.
"""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hub.auth import permissions
from hub.auth.models import Role, User
from hub.core import ratelimit
from hub.core.db import utcnow
from hub.core.rules import TooMany
from hub.directory.models import MunicipalityChange, Unit
from hub.extensions import db
from hub.meetings.models import NetworkMunicipality, network_coordinator
from hub.notifications.notify import notify

# Each request tells the approvers; a member changing their mind often must not flood them.
REQUEST_LIMITS = ((5, 24 * 3600),)
REQUEST_SCOPE = "municipality-change"


class TooManyRequests(TooMany):
    """The member has asked to change municipality too often today."""

    def __init__(self) -> None:
        super().__init__(
            _("Du har bett om att byta kommun många gånger i dag. Försök igen i morgon."),
            field="municipality",
            retry_after=3600,
        )


def pending_change(user_id: int) -> MunicipalityChange | None:
    return db.session.scalar(
        select(MunicipalityChange)
        .where(MunicipalityChange.user_id == user_id)
        .options(joinedload(MunicipalityChange.to_municipality))
    )


def unit_in(unit_id: int | None, code: str | None) -> int | None:
    """The unit, if it belongs to the municipality."""
    if unit_id is None or code is None:
        return None
    unit = db.session.get(Unit, unit_id)
    return unit_id if unit is not None and unit.municipality_code == code else None


def choose_municipality(user: User, code: str | None, unit_id: int | None) -> bool:
    """What the member chose on their profile. Returns True when a change now waits for
    approval; leaving a municipality, staying, or a change the member may vouch for themself
    happen at once."""
    change = pending_change(user.id)
    current = change.from_code if change is not None else user.municipality_code
    if change is not None and change.to_code == code:
        change.unit_id = unit_in(unit_id, code)
        db.session.flush()
        return True
    if code is None or code == current or permissions.may_vouch_for(user, code):
        withdraw(change)
        set_municipality(user, code, unit_in(unit_id, code))
        return False
    if not ratelimit.allow(REQUEST_SCOPE, user.id, REQUEST_LIMITS):
        raise TooManyRequests
    withdraw(change)
    request_change(user, current, code, unit_in(unit_id, code))
    return True


def withdraw(change: MunicipalityChange | None) -> None:
    if change is not None:
        db.session.delete(change)
        db.session.flush()


def set_municipality(user: User, code: str | None, unit_id: int | None) -> None:
    user.municipality_code = code
    user.unit_id = unit_id
    db.session.flush()


def request_change(user: User, from_code: str | None, to_code: str, unit_id: int | None) -> None:
    change = MunicipalityChange(
        user_id=user.id,
        from_code=from_code,
        to_code=to_code,
        unit_id=unit_id,
        requested_at=utcnow(),
    )
    db.session.add(change)
    set_municipality(user, None, None)
    for approver_id in approver_ids(to_code):
        notify(
            approver_id,
            "municipality_change",
            _("%(name)s vill byta kommun och väntar på ditt godkännande.", name=user.name)[:300],
            "/katalog/kommunbyten",
            actor_id=user.id,
        )


def approver_ids(code: str) -> list[int]:
    """The coordinators of the municipality's networks; the admins if it has none."""
    coordinators = db.session.scalars(
        select(network_coordinator.c.user_id)
        .join(User, User.id == network_coordinator.c.user_id)
        .join(
            NetworkMunicipality,
            NetworkMunicipality.network_id == network_coordinator.c.network_id,
        )
        .where(
            NetworkMunicipality.municipality_code == code,
            User.active,
            User.role == Role.COORDINATOR,
        )
        .distinct()
    ).all()
    if coordinators:
        return list(coordinators)
    return list(db.session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active)))


def changes_to_decide(approver: User) -> list[MunicipalityChange]:
    """The waiting requests the approver may decide, oldest first."""
    rows = db.session.scalars(
        select(MunicipalityChange)
        .options(
            joinedload(MunicipalityChange.user),
            joinedload(MunicipalityChange.to_municipality),
            joinedload(MunicipalityChange.from_municipality),
        )
        .order_by(MunicipalityChange.requested_at, MunicipalityChange.id)
    ).all()
    return [row for row in rows if permissions.may_vouch_for(approver, row.to_code)]


def changes_shown_to(viewer: User, people: list[User]) -> dict[int, MunicipalityChange]:
    """The waiting changes of the listed people that the viewer may decide, by person.

    A member with a change waiting belongs to no municipality, so for other readers, and for
    a page where everyone has one, this costs no query."""
    waiting = [person.id for person in people if person.municipality_code is None]
    if not waiting or not getattr(viewer, "is_staff", False):
        return {}
    changes = db.session.scalars(
        select(MunicipalityChange)
        .where(MunicipalityChange.user_id.in_(waiting))
        .options(joinedload(MunicipalityChange.to_municipality))
    ).all()
    codes = {change.to_code for change in changes}
    vouched = {code: permissions.may_vouch_for(viewer, code) for code in codes}
    return {change.user_id: change for change in changes if vouched[change.to_code]}


def get_change_for(approver: User, change_id: int) -> MunicipalityChange:
    change = db.session.get(MunicipalityChange, change_id)
    if change is None or not permissions.may_vouch_for(approver, change.to_code):
        abort(404)
    return change


def approve(change: MunicipalityChange, by: User) -> None:
    user = db.session.get(User, change.user_id)
    set_municipality(user, change.to_code, change.unit_id)
    db.session.delete(change)
    notify(
        user.id,
        "municipality_change",
        _("Din nya kommun är godkänd."),
        "/installningar/profil",
        by.id,
    )
    db.session.flush()


def refuse(change: MunicipalityChange, by: User) -> None:
    """The member keeps the municipality they had before asking."""
    user = db.session.get(User, change.user_id)
    set_municipality(user, change.from_code, None)
    db.session.delete(change)
    notify(
        user.id,
        "municipality_change",
        _("Bytet av kommun blev inte godkänt. Du hör till samma kommun som förut."),
        "/installningar/profil",
        by.id,
    )
    db.session.flush()
