"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from hub.auth.accounts import authenticate, end_all_sessions, load_user
from hub.auth.forms import LoginForm
from hub.extensions import db, login_manager

bp = Blueprint("auth", __name__)

login_manager.user_loader(load_user)
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Logga in för att se sidan.")
login_manager.session_protection = "basic"


def safe_next(target: str | None) -> str:
    """Only local paths, so a crafted link cannot send people elsewhere after login."""
    if target and target.startswith("/") and not target.startswith("//"):  # noqa: SIM102
        if not urlsplit(target).netloc and "\\" not in target:
            return target
    return url_for("core.start")


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session on login, so a planted session id is worthless
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append(_("E-postadressen eller lösenordet stämmer inte."))
        return render_template("auth/login.html", form=form), 200
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logga-ut")
@login_required
def logout():
    end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("core.start"))
