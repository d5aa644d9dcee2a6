"""Login, sign-up, confirmation, password reset and two-factor sign-in."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from hub.auth import accounts, last_seen, tokens, twofactor
from hub.auth.accounts import LoginOutcome, end_all_sessions, load_user
from hub.auth.forms import CodeForm, EmailForm, LoginForm, ResetPasswordForm, SignUpForm
from hub.auth.models import User
from hub.auth.permissions import Permission, can
from hub.core.cookie_session import session_identifier
from hub.core.db import utcnow
from hub.core.edge import form_status, keep_writes, run_form
from hub.core.guards import local_path
from hub.core.ratelimit import client_ip
from hub.directory.models import Municipality
from hub.extensions import db, login_manager

bp = Blueprint("auth", __name__)
# Templates ask ``can(current_user, Permission.POST)``; the part that owns the rules lends them.
bp.add_app_template_global(can, "can")
bp.add_app_template_global(Permission, "Permission")

login_manager.user_loader(load_user)
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Logga in för att se sidan.")
login_manager.session_protection = "basic"
# Flask-Login's own identifier, kept per address and agent (no public setting names it).
login_manager._session_identifier_generator = session_identifier
bp.before_app_request(last_seen.note_request)

TWO_FACTOR_PENDING = "two_factor_pending"
# How this session signed in, when through the municipality's provider: {"via", "mfa"}.
SIGNED_IN_VIA = "signed_in_via"
TWO_FACTOR_WINDOW = 300  # seconds between the password and the code
GENERIC_LOGIN_ERROR = _l("E-postadressen eller lösenordet stämmer inte.")
THROTTLED_LOGIN_ERROR = _l("För många inloggningsförsök. Vänta en stund och försök igen.")

# Where a coordinator or admin who must set up two-factor sign-in may still go.
SETUP_ALLOWED_ENDPOINTS = {
    "auth.two_factor",
    "auth.logout",
    "static",
    "core.healthz",
    "site.accessibility",
    "core.privacy",
}


def safe_next(target: str | None) -> str:
    """Only local paths, so a crafted link cannot send people elsewhere after login."""
    return local_path(target) or url_for("site.start")


def municipality_choices(empty_label: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Municipality.scb_code, Municipality.name).order_by(Municipality.name)
    ).all()
    return [("", empty_label), *((code, name) for code, name in rows)]


def link_problem(error: tokens.TokenInvalid, *, resend_endpoint: str | None = None):
    """The page for a link that does not work: 410 when it was real but is spent, else 404."""
    gone = isinstance(error, tokens.TokenGone)
    return render_template("auth/link_problem.html", gone=gone, resend_endpoint=resend_endpoint), (
        410 if gone else 404
    )


@bp.before_app_request
def require_two_factor_setup():
    """Coordinators and admins set up two-factor sign-in before anything else, when required."""
    if not current_app.config.get("REQUIRE_2FA_FOR_STAFF"):
        return None
    endpoint = request.endpoint
    if endpoint in SETUP_ALLOWED_ENDPOINTS or endpoint is None:
        return None
    # Asked before the session: most members are not staff, and each look-up is a proxy's.
    user = current_user._get_current_object()
    if not user.is_authenticated or not user.is_staff:
        return None
    if (session.get(SIGNED_IN_VIA) or {}).get("mfa"):
        return None  # the municipality's provider did a second factor at this sign-in
    if twofactor.needs_two_factor_setup(user):
        return redirect(url_for("auth.two_factor"))
    return None


# --- login and logout ------------------------------------------------------------------------


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), form_status(form)
    result = accounts.attempt_login(client_ip(), form.email.data, form.password.data)
    keep_writes()  # attempts count even when the login is refused, or guessing is free
    if result.outcome is LoginOutcome.THROTTLED:
        form.password.errors.append(THROTTLED_LOGIN_ERROR)
        link_form = EmailForm(formdata=None, email=form.email.data)
        return (
            render_template("auth/login.html", form=form, link_form=link_form),
            429,
            {"Retry-After": "60"},
        )
    if result.outcome is LoginOutcome.WRONG:
        form.password.errors.append(GENERIC_LOGIN_ERROR)
        return render_template("auth/login.html", form=form), 200
    user = result.user
    if result.outcome is LoginOutcome.UNCONFIRMED:
        resend = EmailForm(formdata=None, email=user.email)
        return render_template("auth/unconfirmed.html", form=resend), 403
    next_url = safe_next(request.args.get("next"))
    if user.two_factor_enabled:
        begin_two_factor(user, form.remember.data, next_url)
        return redirect(url_for("auth.login_code"))
    return finish_login(user, form.remember.data, next_url)


def begin_two_factor(
    user: User, remember: bool, next_url: str, signed_in_via: dict | None = None
) -> None:
    session.clear()
    session[TWO_FACTOR_PENDING] = {
        "u": user.id,
        "v": user.session_version,
        "r": bool(remember),
        "n": next_url,
        "t": int(utcnow().timestamp()),
        "x": signed_in_via,
    }


def pending_two_factor() -> tuple[User, dict] | None:
    data = session.get(TWO_FACTOR_PENDING)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if utcnow().timestamp() - data.get("t", 0) > TWO_FACTOR_WINDOW:
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active or user.session_version != data.get("v"):
        return None
    return user, data


def finish_login(user: User, remember: bool, next_url: str, signed_in_via: dict | None = None):
    session.clear()  # a fresh session on login, so a planted session is worthless
    login_user(user, remember=remember)
    if signed_in_via:
        session[SIGNED_IN_VIA] = signed_in_via
    accounts.record_login_success(user, client_ip())
    warn_if_mail_bounces(user)
    return redirect(safe_next(next_url))


def warn_if_mail_bounces(user: User) -> None:
    """The member's address bounces and gets only account mail: say so at every sign-in."""
    from hub.mail.suppression import tell_member

    suppression = tell_member(user.id)
    if suppression is not None:
        flash(
            _(
                "Mejl till %(email)s kommer inte fram, så vi skickar inga notiser dit just nu. "
                "Byt e-postadress under Inställningar, eller be en administratör prova igen.",
                email=suppression.email,
            ),
            "error",
        )


@bp.route("/logga-in/kod", methods=["GET", "POST"])
def login_code():
    pending = pending_two_factor()
    if pending is None:
        session.pop(TWO_FACTOR_PENDING, None)
        flash(_("Logga in igen med e-postadress och lösenord."), "info")
        return redirect(url_for("auth.login"))
    user, data = pending
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/login_code.html", form=form), form_status(form)
    if accounts.check_login_throttle(client_ip(), user.email, step="code"):
        keep_writes()  # refused attempts count too, so that hammering does not shorten the wait
        form.code.errors.append(THROTTLED_LOGIN_ERROR)
        return render_template("auth/login_code.html", form=form), 429, {"Retry-After": "60"}
    if not twofactor.verify_second_factor(user, form.code.data):
        accounts.record_login_failure(user.email, client_ip())
        form.code.errors.append(_("Koden stämmer inte. Försök igen."))
        return render_template("auth/login_code.html", form=form), 200
    return finish_login(user, data["r"], data["n"], data.get("x"))


@bp.post("/logga-ut")
@login_required
def logout():
    via = (session.get(SIGNED_IN_VIA) or {}).get("via")
    end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    if via == "oidc":  # a shared computer: offer to sign out at the provider too
        return redirect(url_for("auth.provider_signed_out"))
    return redirect(url_for("site.start"))


# --- sign-up and confirmation ----------------------------------------------------------------


@bp.route("/registrera", methods=["GET", "POST"])
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("site.start"))
    form = SignUpForm()
    sign_up_ = lambda: accounts.sign_up_by_email(  # noqa: E731
        email=form.email.data, name=form.name.data, password=form.password.data
    )
    if run_form(form, sign_up_):
        return render_template("auth/check_email.html", address=form.email.data)
    return render_template("auth/sign_up.html", form=form), form_status(form)


@bp.route("/bekrafta/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    # A button, not the GET, confirms: mail scanners that open links change nothing.
    try:
        user = accounts.user_for_confirmation(token)
    except tokens.TokenInvalid as error:
        return link_problem(error, resend_endpoint="auth.resend_confirmation")
    if user.email_confirmed_at is not None:
        return render_template("auth/confirmed.html", already=True)
    if request.method == "POST":  # CSRFProtect has checked the token
        accounts.do_confirm_email(user)
        # Signed in at once, the first time only (the link then says "already"): the person
        # just proved the address, and lands on the three first steps instead of a login form.
        if user.two_factor_enabled:
            begin_two_factor(user, False, url_for("auth.welcome"))
            return redirect(url_for("auth.login_code"))
        signed_in = finish_login(user, False, url_for("auth.welcome"))
        flash(_("Tack! Din e-postadress är bekräftad."), "success")  # after the fresh session
        return signed_in
    return render_template("auth/confirm.html", token=token)


@bp.route("/bekrafta", methods=["GET", "POST"])
def resend_confirmation():
    form = EmailForm()
    if run_form(form, lambda: accounts.do_resend_confirmation(form.email.data)):
        return render_template("auth/check_email.html", address=form.email.data)
    return render_template("auth/resend_confirmation.html", form=form), form_status(form)


# --- password reset --------------------------------------------------------------------------


@bp.route("/glomt-losenord", methods=["GET", "POST"])
def forgot_password():
    form = EmailForm()
    if run_form(form, lambda: accounts.request_password_reset(form.email.data)):
        return render_template("auth/check_email.html", address=form.email.data, reset=True)
    return render_template("auth/forgot_password.html", form=form), form_status(form)


@bp.post("/logga-in/lank")
def send_login_link():
    form = EmailForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.login")), 303
    accounts.request_login_link(form.email.data)
    return render_template("auth/check_email.html", address=form.email.data, login_link=True)


@bp.route("/logga-in/lank/<token>", methods=["GET", "POST"])
def login_by_link(token: str):
    """GET shows a button (a mail scanner following the link signs nobody in); POST signs in,
    through the code step when the account has two-factor sign-in."""
    try:
        user = accounts.user_for_login_link(token)
    except tokens.TokenInvalid as error:
        return link_problem(error)
    if request.method == "GET":  # POST: CSRFProtect has checked the token
        return render_template("auth/login_link.html", token=token)
    if user.two_factor_enabled:
        begin_two_factor(user, False, url_for("site.start"))
        return redirect(url_for("auth.login_code"))
    return finish_login(user, False, url_for("site.start"))


@bp.route("/aterstall/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = accounts.user_for_reset(token)
    except tokens.TokenInvalid as error:
        return link_problem(error, resend_endpoint="auth.forgot_password")
    form = ResetPasswordForm(user_email=user.email, user_name=user.name)
    if run_form(form, lambda: accounts.do_reset_password(user, form.password.data)):
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash(_("Ditt lösenord är bytt. Logga in med det nya lösenordet."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), form_status(form)
