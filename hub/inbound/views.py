"""The admin's view of mail that came back: what was not used and why; addresses that bounce."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hub.auth.permissions import Permission, require
from hub.extensions import db
from hub.inbound.models import FOR_ADMIN, InboundMessage, Outcome
from hub.mail.models import SuppressedAddress
from hub.mail.suppression import lift

bp = Blueprint("inbound", __name__)

OUTCOME_LABELS = {
    Outcome.USED: _l("Använda"),
    Outcome.DROPPED: _l("Automatiska svar (slängda)"),
    Outcome.IGNORED: _l("Inget att göra"),
    Outcome.REFUSED: _l("Nekade"),
    Outcome.UNUSED: _l("Gick inte att använda"),
}
KIND_LABELS = {
    "reply": _l("Svar"),
    "rsvp": _l("Kalendersvar"),
    "bounce": _l("Studs"),
    "auto_reply": _l("Automatiskt svar"),
    "other": _l("Annat"),
}


@bp.get("/admin/inkommande")
@require(Permission.ADMIN)
def messages():
    counts = dict(
        db.session.execute(
            select(InboundMessage.outcome, func.count()).group_by(InboundMessage.outcome)
        ).all()
    )
    # Not the raw bytes: the list needs only who, what and why.
    unused = db.session.execute(
        select(
            InboundMessage.received_at,
            InboundMessage.kind,
            InboundMessage.outcome,
            InboundMessage.from_address,
            InboundMessage.subject,
            InboundMessage.reason,
        )
        .where(InboundMessage.outcome.in_(FOR_ADMIN))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(100)
    ).all()
    suppressed = db.session.scalars(
        select(SuppressedAddress).order_by(SuppressedAddress.created_at.desc()).limit(200)
    ).all()
    return render_template(
        "inbound/messages.html",
        counts=counts,
        unused=unused,
        suppressed=suppressed,
        outcome_labels=OUTCOME_LABELS,
        kind_labels=KIND_LABELS,
    )


@bp.post("/admin/inkommande/sparr/<int:suppression_id>/ta-bort")
@require(Permission.ADMIN)
def lift_suppression(suppression_id: int):
    suppression = db.session.get(SuppressedAddress, suppression_id)
    if suppression is None:
        abort(404)
    lift(suppression.email)
    flash(_("Adressen får e-post igen."), "info")
    return redirect(url_for("inbound.messages"), code=303)
