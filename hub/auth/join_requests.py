"""Asking to join when one's municipality is not in the hub yet: the one owner of that rule
and of its mail.

Someone whose work address belongs to no municipality that may sign up by itself sends a short
request. It goes, through the outbox, to the coordinators of the networks in the region of the
municipality they name (a coordinator there can invite them, or ask an admin to add the
municipality); when the region has no network, or the name matches no municipality we know, to
the admins. Nothing is stored but the rate-limit counts: the mail is the request.

Anyone may send it without an account, so it is limited per IP, per address and in total, and
the answer is the same whether or not the address already has an account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from hub.auth.accounts import find_municipality_for_email, normalise_email
from hub.auth.models import Role, User
from hub.core import ratelimit
from hub.core.links import absolute_url
from hub.core.rules import RuleError, TooMany
from hub.directory.models import Municipality, Region
from hub.extensions import db
from hub.mail.outbox import queue_email
from hub.meetings.models import NetworkMunicipality, network_coordinator

PER_IP_LIMITS = ((3, 3600), (10, 24 * 3600))
PER_ADDRESS_LIMITS = ((2, 24 * 3600),)
# However many addresses and IPs: the coordinators' inboxes are not a megaphone.
TOTAL_LIMITS = ((30, 3600), (100, 24 * 3600))
RETRY_AFTER = 3600
MAIL_KIND = "account_join_request"  # service mail to staff: never turned off by preferences


@dataclass(frozen=True)
class JoinRequest:
    name: str
    email: str
    municipality: str  # as the person wrote it
    message: str


@dataclass(frozen=True)
class Delivery:
    """Where a request went: the municipality we recognised (if any) and to whom."""

    municipality: Municipality | None
    region: Region | None
    recipients: list[User]
    to_coordinators: bool


def find_municipality(written: str) -> Municipality | None:
    """The municipality people mean by "Laholm", "laholms kommun" or "Stockholms stad"."""
    words = re.sub(r"\s+", " ", written).strip().lower()
    words = re.sub(r"\s+(kommun|stad)$", "", words)
    candidates = {words, words.removesuffix("s")}
    # A few hundred rows at most, compared in Python: SQLite's lower() leaves Å, Ä and Ö alone.
    for municipality in db.session.scalars(select(Municipality)):
        if municipality.name.lower() in candidates:
            return municipality
    return None


def coordinators_in_region(region_code: str) -> list[User]:
    """Active coordinators of every network with an active member municipality in the region."""
    networks = (
        select(NetworkMunicipality.network_id)
        .join(Municipality, Municipality.scb_code == NetworkMunicipality.municipality_code)
        .where(Municipality.region_code == region_code, NetworkMunicipality.active.is_(True))
    )
    return list(
        db.session.scalars(
            select(User)
            .join(network_coordinator, network_coordinator.c.user_id == User.id)
            .where(network_coordinator.c.network_id.in_(networks), User.active.is_(True))
            .distinct()
            .order_by(User.id)
        )
    )


def admins() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
        )
    )


def recipients_for(municipality: Municipality | None) -> Delivery:
    """The region's coordinators when there are any, else the admins."""
    region = db.session.get(Region, municipality.region_code) if municipality else None
    coordinators = coordinators_in_region(region.code) if region else []
    if coordinators:
        return Delivery(municipality, region, coordinators, to_coordinators=True)
    return Delivery(municipality, region, admins(), to_coordinators=False)


def check_join_request(request: JoinRequest) -> None:
    """An address whose municipality may already sign up by itself needs no request."""
    if find_municipality_for_email(request.email) is not None:
        raise RuleError(
            _(
                "Din kommun är redan med i Stafetten. Skapa ett konto direkt med den här "
                "adressen i stället."
            ),
            field="email",
        )


def send_join_request(request: JoinRequest, ip: str) -> Delivery:
    """Mail the request to whoever can let the person in (TooMany past the limits)."""
    check_join_request(request)
    allowed = (
        ratelimit.allow("join-request-ip", ip, PER_IP_LIMITS)
        and ratelimit.allow(
            "join-request-address", normalise_email(request.email), PER_ADDRESS_LIMITS
        )
        and ratelimit.allow("join-request-all", "all", TOTAL_LIMITS)
    )
    if not allowed:
        raise TooMany(
            _("Vi har redan fått din förfrågan, eller många på kort tid. Försök igen om en stund."),
            retry_after=RETRY_AFTER,
        )
    delivery = recipients_for(find_municipality(request.municipality))
    for person in delivery.recipients:
        queue_email(
            "join_request",
            person.email,
            kind=MAIL_KIND,
            user_id=person.id,
            request=request,
            delivery=delivery,
            invite_url=absolute_url("auth.invitations_page"),
            admin_url=absolute_url("admin.index"),
        )
    return delivery
