"""Joining: ``/ga-med`` for someone whose municipality is not in the hub yet (a request to the
coordinators or admins), and ``/valkommen``, the three first steps a new member lands on."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from hub.auth import join_requests, onboarding
from hub.auth.forms import JoinRequestForm
from hub.auth.views import bp
from hub.core.edge import form_status, run_form
from hub.core.ratelimit import client_ip


@bp.route("/ga-med", methods=["GET", "POST"])
def join_request():
    if current_user.is_authenticated:
        return redirect(url_for("site.start"))
    form = JoinRequestForm()
    asked = lambda: join_requests.JoinRequest(  # noqa: E731
        name=form.name.data,
        email=form.email.data,
        municipality=form.municipality.data.strip(),
        message=(form.message.data or "").strip(),
    )
    done = run_form(form, lambda: join_requests.send_join_request(asked(), client_ip()))
    if done:
        return render_template("auth/join_request_sent.html", delivery=done.value, form=form)
    status = form_status(form)
    headers = {"Retry-After": str(join_requests.RETRY_AFTER)} if status == 429 else {}
    return render_template("auth/join_request.html", form=form), status, headers


@bp.get("/valkommen")
@login_required
def welcome():
    return render_template("auth/welcome.html", steps=onboarding.first_steps(current_user))
