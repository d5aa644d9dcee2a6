"""A network's announcements: every member reads them; coordinators and admins send them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.announcements.forms import AnnouncementForm
from hub.announcements.sending import MAX_LENGTH, announcements_of, do_send_announcement
from hub.core.edge import form_status, run_form
from hub.meetings.rotation import can_coordinate
from hub.meetings.scheduling import get_network_or_404

bp = Blueprint("announcements", __name__)


@bp.route("/natverk/<slug>/meddelanden", methods=["GET", "POST"])
@login_required
def index(slug: str):
    network = get_network_or_404(slug)
    may_send = can_coordinate(current_user, network)
    form = AnnouncementForm()
    if form.is_submitted() and not may_send:
        abort(403)
    done = run_form(form, lambda: do_send_announcement(network, current_user, form.body.data))
    if done:
        flash(
            _("Meddelandet är skickat till %(n)s medlemmar.", n=done.value.recipient_count),
            "success",
        )
        return redirect(url_for("announcements.index", slug=network.slug))
    return render_template(
        "announcements/index.html",
        network=network,
        announcements=announcements_of(network),
        form=form if may_send else None,
        max_length=MAX_LENGTH,
    ), form_status(form)
