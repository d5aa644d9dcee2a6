"""The baton: who holds it, who gets it next, who may schedule, and the history of every change.

Plain functions that flush but never commit; views, CLI commands and tests call them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from hub.auth import permissions
from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.rules import RuleError
from hub.extensions import db
from hub.meetings import mailing
from hub.meetings.models import (
    BatonPass,
    Meeting,
    Network,
    NetworkMunicipality,
)

REASON_START = "start"
REASON_MEETING_HELD = "meeting_held"
REASON_AUTO_HELD = "auto_held"
REASON_PASSED_ON = "passed_on"
REASON_COORDINATOR = "coordinator"
REASON_LEFT = "left_network"
REASON_SILENCE = "silence"
REASON_KINDS = (
    REASON_START,
    REASON_MEETING_HELD,
    REASON_AUTO_HELD,
    REASON_PASSED_ON,
    REASON_COORDINATOR,
    REASON_LEFT,
    REASON_SILENCE,
)


class BatonError(RuleError):
    """A baton change that the rules do not allow: nobody else to carry it (409), or a
    municipality that is not an active member of the network (400, next to the choice)."""

    status = 409


def active_codes(network_id: int) -> list[str]:
    """The network's active member municipalities in rotation order."""
    return list(
        db.session.scalars(
            select(NetworkMunicipality.municipality_code)
            .where(NetworkMunicipality.network_id == network_id, NetworkMunicipality.active)
            .order_by(NetworkMunicipality.position, NetworkMunicipality.id)
        )
    )


def rotation_codes(network_id: int) -> list[str]:
    """Every member municipality, active or not, in rotation order."""
    return list(
        db.session.scalars(
            select(NetworkMunicipality.municipality_code)
            .where(NetworkMunicipality.network_id == network_id)
            .order_by(NetworkMunicipality.position, NetworkMunicipality.id)
        )
    )


def carrier_codes(codes: list[str]) -> set[str]:
    """The municipalities among ``codes`` with at least one active, confirmed member: the only
    ones that can carry the baton (a reminder to an empty municipality reaches nobody)."""
    if not codes:
        return set()
    return set(
        db.session.scalars(
            select(User.municipality_code)
            .where(
                User.municipality_code.in_(codes),
                User.active,
                User.email_confirmed_at.is_not(None),
            )
            .distinct()
        )
    )


def following(order: list[str], holder: str | None, eligible: set[str]) -> str | None:
    """The first eligible code after ``holder`` in ``order``, wrapping around (holder last)."""
    if holder not in order:
        return next((code for code in order if code in eligible), None)
    start = order.index(holder)
    for step in range(1, len(order) + 1):
        candidate = order[(start + step) % len(order)]
        if candidate in eligible:
            return candidate
    return None


def next_holder_code(network: Network, *, leaving: str | None = None) -> str | None:
    """The next active municipality after the holder that has someone to carry the baton.

    A holder that has left the network still has its place in the order, so the baton goes to
    whoever came after it, not back to the start. ``leaving`` is a municipality on its way out.
    None when nobody else can take it: the baton then stays where it is.
    """
    active = [code for code in active_codes(network.id) if code != leaving]
    carriers = carrier_codes(active) - {network.baton_holder_code}
    return following(rotation_codes(network.id), network.baton_holder_code, carriers)


def ensure_holder(network: Network, *, by: User | None = None) -> str | None:
    """Give the baton to an active municipality if nobody holds it (or the holder left).

    One with members is preferred; with none anywhere, the first active one holds it, so that
    the reminders have someone to escalate from.
    """
    active = active_codes(network.id)
    if network.baton_holder_code in active:
        return network.baton_holder_code
    if not active:
        return None
    kind = REASON_LEFT if network.baton_holder_code else REASON_START
    order = rotation_codes(network.id)
    target = following(order, network.baton_holder_code, carrier_codes(active))
    target = target or following(order, network.baton_holder_code, set(active))
    record_pass(network, target, reason_kind=kind, reason="", by=by)
    return target


def record_pass(
    network: Network,
    to_code: str,
    *,
    reason_kind: str,
    reason: str = "",
    meeting: Meeting | None = None,
    by: User | None = None,
    at: datetime | None = None,
) -> BatonPass:
    """The one place the baton changes hands: the holder, a dated history row, and a mail to
    each member of the new holder municipality."""
    if reason_kind not in REASON_KINDS:
        raise BatonError(f"unknown reason kind {reason_kind!r}", status=400)
    baton_pass = BatonPass(
        network_id=network.id,
        from_code=network.baton_holder_code,
        to_code=to_code,
        passed_at=at or utcnow(),
        reason_kind=reason_kind,
        reason=(reason or "").strip()[:500],
        meeting_id=meeting.id if meeting else None,
        by_user_id=by.id if by else None,
    )
    network.baton_holder_code = to_code
    db.session.add(baton_pass)
    db.session.flush()
    mailing.send_new_holder(network, baton_pass, actor_id=by.id if by else None)
    return baton_pass


def record_past_pass(
    network: Network,
    to_code: str,
    *,
    reason_kind: str,
    at: datetime,
    reason: str = "",
    meeting: Meeting | None = None,
) -> BatonPass:
    """History from before the hub knew of it (demo data, an import): the row and the holder,
    but no mail, since nobody should hear today about a hand-over of long ago."""
    if reason_kind not in REASON_KINDS:
        raise BatonError(f"unknown reason kind {reason_kind!r}", status=400)
    baton_pass = BatonPass(
        network_id=network.id,
        from_code=network.baton_holder_code,
        to_code=to_code,
        passed_at=at,
        reason_kind=reason_kind,
        reason=reason,
        meeting_id=meeting.id if meeting else None,
    )
    network.baton_holder_code = to_code
    db.session.add(baton_pass)
    db.session.flush()
    return baton_pass


def pass_baton(
    network: Network,
    *,
    reason_kind: str,
    reason: str = "",
    meeting: Meeting | None = None,
    by: User | None = None,
    to_code: str | None = None,
    at: datetime | None = None,
) -> BatonPass:
    """Pass the baton: to ``to_code`` (a coordinator's choice) or else to the next in rotation.

    Raises BatonError when there is nobody to pass it to; the baton then stays.
    """
    if to_code is None:
        to_code = next_holder_code(network)
        if to_code is None:
            raise BatonError(_("Det finns ingen aktiv kommun att lämna över till."))
    elif to_code not in active_codes(network.id):
        raise BatonError(_("Välj en kommun i nätverket."), field="to_code", status=400)
    elif to_code == network.baton_holder_code:
        raise BatonError(_("Kommunen har redan stafettpinnen."), field="to_code", status=400)
    return record_pass(
        network, to_code, reason_kind=reason_kind, reason=reason, meeting=meeting, by=by, at=at
    )


def give_baton(network: Network, to_code: str, *, by: User, reason: str = "") -> BatonPass:
    """A coordinator's override: the baton to any active member municipality."""
    return pass_baton(
        network, reason_kind=REASON_COORDINATOR, reason=reason, by=by, to_code=to_code
    )


def pass_after_meeting(
    network: Network,
    meeting: Meeting,
    *,
    by: User | None = None,
    automatic: bool = False,
    at: datetime | None = None,
) -> BatonPass | None:
    """The meeting has been held: the baton goes on to the next municipality in the rotation.

    With nobody else to carry it, the host keeps it (and None is returned).
    """
    try:
        return pass_baton(
            network,
            reason_kind=REASON_AUTO_HELD if automatic else REASON_MEETING_HELD,
            meeting=meeting,
            by=by,
            at=at,
        )
    except BatonError:
        return None


def pass_after_silence(network: Network, *, at: datetime | None = None) -> BatonPass | None:
    """Nobody in the holder municipality answered the reminders: the next one takes over."""
    try:
        return pass_baton(network, reason_kind=REASON_SILENCE, at=at)
    except BatonError:
        return None


def municipality_leaving(network: Network, code: str, *, by: User | None = None) -> None:
    """Call before a member municipality leaves: if it holds the baton, the next one takes it.

    With no other active municipality the network is left without a holder until one joins.
    """
    if network.baton_holder_code != code:
        return
    target = next_holder_code(network, leaving=code)
    if target is None:
        others = [c for c in active_codes(network.id) if c != code]
        target = following(rotation_codes(network.id), code, set(others))
    if target is None:
        network.baton_holder_code = None
        db.session.flush()
        return
    record_pass(network, target, reason_kind=REASON_LEFT, by=by)


def history(network_id: int) -> list[BatonPass]:
    """Every baton change of the network, oldest first."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(BatonPass)
            .where(BatonPass.network_id == network_id)
            .options(
                joinedload(BatonPass.from_municipality),
                joinedload(BatonPass.to_municipality),
                joinedload(BatonPass.meeting),
                joinedload(BatonPass.by_user),
            )
            .order_by(BatonPass.passed_at, BatonPass.id)
        )
    )


def current_pass(network_id: int) -> BatonPass | None:
    """The pass that began the current holding."""
    return db.session.scalar(
        select(BatonPass)
        .where(BatonPass.network_id == network_id)
        .order_by(BatonPass.passed_at.desc(), BatonPass.id.desc())
        .limit(1)
    )


def can_coordinate(user: User | None, network: Network) -> bool:
    """Coordinators of the network and admins may override the rotation and act for the host."""
    return permissions.coordinates(user, network.id)


def can_schedule(user: User | None, network: Network) -> bool:
    """Members of the holder municipality, the network's coordinators and admins."""
    return permissions.speaks_for(user, network.baton_holder_code) or can_coordinate(user, network)


def can_pass(user: User | None, network: Network) -> bool:
    """Who may pass the baton on early: the same people who may schedule."""
    return can_schedule(user, network)


def current_holding(network: Network) -> BatonPass | None:
    """The pass that began the present holding, recording one if the history lacks it.

    Networks made before the history existed, or whose holder was set by hand, get a "start"
    pass so that reminders have a holding to count from.
    """
    holder = ensure_holder(network)
    if holder is None:
        return None
    latest = current_pass(network.id)
    if latest is not None and latest.to_code == holder:
        return latest
    # The holder already holds it and knows: the missing row is history, not news, so no mail.
    baton_pass = BatonPass(
        network_id=network.id,
        from_code=None,
        to_code=holder,
        passed_at=utcnow(),
        reason_kind=REASON_START,
        reason="",
    )
    db.session.add(baton_pass)
    db.session.flush()
    return baton_pass


@dataclass(frozen=True)
class Holding:
    """One municipality's time with the baton: how it began and, unless current, how it ended."""

    began: BatonPass
    ended: BatonPass | None

    @property
    def hosted(self) -> Meeting | None:
        return self.ended.meeting if self.ended is not None else None


def holdings(passes: list[BatonPass]) -> list[Holding]:
    """The history (oldest first) as holdings, for the relay timeline."""
    return [
        Holding(began=p, ended=passes[i + 1] if i + 1 < len(passes) else None)
        for i, p in enumerate(passes)
    ]
