"""Invitations: coordinators and admins invite people by email; the link creates an account."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from hub.auth import tokens
from hub.auth.accounts import (
    absolute_url,
    create_account,
    find_user_by_email,
    mark_confirmed,
    normalise_email,
)
from hub.auth.models import Invitation, InvitationReminder, User
from hub.core import ratelimit
from hub.core.db import utcnow
from hub.core.rules import Gone, NotFound
from hub.directory import membership
from hub.extensions import db
from hub.mail.outbox import queue_email

VALID_FOR = timedelta(days=14)
INVITER_LIMITS = ((50, 24 * 3600),)
MAX_ADDRESSES = 200


class InvitationUnknown(NotFound):
    """No invitation has this link."""

    def __init__(self) -> None:
        super().__init__(_("Länken fungerar inte"))


class InvitationGone(Gone):
    """The link was used or has expired."""

    def __init__(self) -> None:
        super().__init__(_("Länken har redan använts eller gått ut."))


@dataclass
class InviteResult:
    sent: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    has_account: list[str] = field(default_factory=list)
    over_limit: list[str] = field(default_factory=list)


def parse_addresses(text: str) -> tuple[list[str], list[str]]:
    """Addresses one per line or separated by commas/semicolons: (valid, invalid), no repeats."""
    valid: list[str] = []
    invalid: list[str] = []
    for raw in re.split(r"[\s,;]+", text):
        candidate = raw.strip().strip("<>").strip()
        if not candidate:
            continue
        try:
            address = validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            if candidate not in invalid:
                invalid.append(candidate)
            continue
        address = normalise_email(address)
        if address not in valid:
            valid.append(address)
    return valid, invalid


def create_invitations(
    inviter: User, addresses: list[str], municipality_code: str | None
) -> InviteResult:
    result = InviteResult()
    for address in addresses:
        if find_user_by_email(address) is not None:
            result.has_account.append(address)
            continue
        if not ratelimit.allow("invite", inviter.id, INVITER_LIMITS):
            result.over_limit.append(address)
            continue
        invitation = pending_invitation_for_address(address) or Invitation(email=address)
        invitation.invited_by_id = inviter.id
        invitation.municipality_code = municipality_code
        db.session.add(invitation)
        send_invitation(invitation, inviter)
        result.sent.append(address)
    return result


def pending_invitation_for_address(address: str) -> Invitation | None:
    return db.session.scalar(
        select(Invitation).where(
            func.lower(Invitation.email) == address, Invitation.accepted_at.is_(None)
        )
    )


def send_invitation(invitation: Invitation, inviter: User) -> None:
    """A fresh token each time: the previous link of this invitation stops working."""
    invitation.created_at = utcnow()
    invitation.expires_at = invitation.created_at + VALID_FOR
    queue_email(
        "invitation",
        invitation.email,
        inviter_name=inviter.name,
        accept_url=new_accept_url(invitation),
        expires_at=invitation.expires_at,
    )


def new_accept_url(invitation: Invitation) -> str:
    """Only the token's hash is kept, so every mail with a link carries a new token."""
    token = tokens.new_random_token()
    invitation.token_hash = tokens.hash_token(token)
    db.session.flush()
    return absolute_url("auth.accept_invitation", token=token)


def invitation_for_token(token: str) -> Invitation:
    """The open invitation for a link: InvitationUnknown, or InvitationGone if used/expired."""
    invitation = db.session.scalar(
        select(Invitation)
        .options(joinedload(Invitation.invited_by))
        .where(Invitation.token_hash == tokens.hash_token(token))
    )
    if invitation is None:
        raise InvitationUnknown
    if invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        raise InvitationGone
    return invitation


def accept_invitation(
    invitation: Invitation, *, name: str, password: str, municipality_code: str | None
) -> User:
    """Create the account, confirmed (the link in the mail proved the address), and welcome.
    The inviter vouched for the invitation's municipality; another one waits for approval."""
    invitation.accepted_at = utcnow()
    user = create_account(
        email=invitation.email,
        name=name,
        password=password,
        municipality_code=invitation.municipality_code,
        confirmed=False,
    )
    mark_confirmed(user)
    membership.choose_municipality(user, municipality_code, None)
    return user


def _visible_to(user: User):
    """Admins see every invitation; coordinators see those they sent."""
    query = select(Invitation).where(Invitation.accepted_at.is_(None))
    if not user.is_admin:
        query = query.where(Invitation.invited_by_id == user.id)
    return query


def pending_invitations_for(user: User, page: int, per_page: int = 50):
    query = _visible_to(user).options(joinedload(Invitation.invited_by))
    return db.paginate(
        query.order_by(Invitation.created_at.desc(), Invitation.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def get_invitation_for(user: User, invitation_id: int) -> Invitation | None:
    return db.session.scalar(_visible_to(user).where(Invitation.id == invitation_id))


def do_resend_invitation(inviter: User, invitation: Invitation) -> bool:
    """False when the inviter has sent too many today."""
    if not ratelimit.allow("invite", inviter.id, INVITER_LIMITS):
        return False
    send_invitation(invitation, inviter)
    return True


def do_withdraw_invitation(invitation: Invitation) -> None:
    db.session.delete(invitation)
    db.session.flush()


# --- reminders -----------------------------------------------------------------------------

# Step → days after the invitation was sent. About one in ten invited people never signs up
# unless reminded; two reminders, then the coordinator can see the expired invitation.
REMINDER_DAYS = {1: 3, 2: 10}


def due_reminders(now: datetime) -> list[tuple[int, int]]:
    """(invitation id, step) for each open invitation whose latest due step is not yet sent.

    An invitation that missed step 1 (the worker was stopped) gets only the latest step."""
    rows = db.session.execute(
        select(Invitation.id, Invitation.created_at).where(
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > now,
            Invitation.created_at <= now - timedelta(days=min(REMINDER_DAYS.values())),
        )
    ).all()
    sent = {
        (invitation_id, step)
        for invitation_id, step in db.session.execute(
            select(InvitationReminder.invitation_id, InvitationReminder.step).where(
                InvitationReminder.invitation_id.in_([row.id for row in rows])
            )
        )
    }
    due = []
    for invitation_id, created_at in rows:
        steps = [s for s, days in REMINDER_DAYS.items() if now >= created_at + timedelta(days=days)]
        latest = max(steps)
        if (invitation_id, latest) not in sent:
            due.append((invitation_id, latest))
    return due


def claim_reminder(invitation_id: int, step: int, now: datetime) -> bool:
    """Record the step as the first write of a fresh transaction; False when another worker
    was first. The unique key decides. (A skipped earlier step is never due again: only the
    latest due step is looked at.)"""
    try:
        db.session.execute(
            insert(InvitationReminder).values(invitation_id=invitation_id, step=step, sent_at=now)
        )
    except (IntegrityError, OperationalError):
        db.session.rollback()
        return False
    return True


def run_invitation_reminders(now: datetime) -> int:
    """Remind invited people 3 and 10 days after the invitation, once per step, with a fresh
    link. Idempotent, and safe in several workers at once. Returns the reminders sent."""
    due = due_reminders(now)
    db.session.commit()  # end the reading transaction before claiming (SQLite snapshots)
    sent = 0
    for invitation_id, step in due:
        if not claim_reminder(invitation_id, step, now):
            continue
        invitation = db.session.scalar(
            select(Invitation)
            .options(joinedload(Invitation.invited_by))
            .where(Invitation.id == invitation_id, Invitation.accepted_at.is_(None))
        )
        if invitation is None:  # accepted or withdrawn meanwhile
            db.session.rollback()
            continue
        queue_email(
            "invitation_reminder",
            invitation.email,
            inviter_name=invitation.invited_by.name if invitation.invited_by else None,
            accept_url=new_accept_url(invitation),
            expires_at=invitation.expires_at,
        )
        db.session.commit()
        sent += 1
    return sent
