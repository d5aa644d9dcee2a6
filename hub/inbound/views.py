"""The admin's view of mail that came back: what was not used and why; addresses that bounce."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hub.auth.permissions import Permission, require
from hub.extensions import db
from hub.inbound.models import Outcome
from hub.inbound.overview import overview
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
    return render_template(
        "inbound/messages.html",
        **overview(),
        outcome_labels=OUTCOME_LABELS,
        kind_labels=KIND_LABELS,
    )


@bp.post("/admin/inkommande/sparr/<int:suppression_id>/ta-bort")
@require(Permission.ADMIN)
def lift_suppression(suppression_id: int):
    suppression = db.get_or_404(SuppressedAddress, suppression_id)
    lift(suppression.email)
    flash(_("Adressen får e-post igen."), "info")
    return redirect(url_for("inbound.messages"), code=303)
