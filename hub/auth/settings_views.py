"""``/installningar/konto``: password, email address and two-factor sign-in."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from flask_login.config import COOKIE_NAME

from hub.auth import accounts, identities, tokens, twofactor
from hub.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmPasswordForm,
    EnableTwoFactorForm,
)
from hub.auth.permissions import Permission, can
from hub.auth.views import bp, link_problem
from hub.core.edge import form_status, run_form, run_rule
from hub.core.rules import RuleError
from hub.core.settings import register_settings_section

register_settings_section(
    "auth.account",
    _l("Konto och inloggning"),
    _l("Byt lösenord eller e-postadress och slå på tvåstegsverifiering."),
    order=40,
)

SETUP_SECRET = "totp_setup_secret"  # noqa: S105  (a session key name)


def account_forms(**overrides):
    user = current_user
    forms = {
        "password_form": ChangePasswordForm(
            formdata=None, user_email=user.email, user_name=user.name
        ),
        "email_form": ChangeEmailForm(formdata=None),
    }
    forms.update(overrides)
    return forms


def render_account(status: int = 200, **overrides):
    return render_template(
        "auth/account.html",
        can_invite=can(current_user, Permission.INVITE),
        linked_identities=identities.identities_of(current_user),
        remaining_codes=twofactor.remaining_recovery_codes(current_user)
        if current_user.two_factor_enabled
        else 0,
        **account_forms(**overrides),
    ), status


@bp.get("/installningar/konto")
@login_required
def account():
    return render_account()


@bp.post("/installningar/konto/losenord")
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm(user_email=user.email, user_name=user.name)
    change = lambda: accounts.change_password(  # noqa: E731
        user, form.current_password.data, form.password.data
    )
    if not run_form(form, change):
        return render_account(form_status(form), password_form=form)
    # Every other session ends; this one continues under the new session version.
    cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    remembered = cookie_name in request.cookies
    session.clear()
    login_user(user, remember=remembered)
    flash(_("Ditt lösenord är bytt. Du är utloggad på alla andra enheter."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/installningar/konto/epost")
@login_required
def change_email():
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    change = lambda: accounts.change_email_with_password(  # noqa: E731
        user, form.email_password.data, form.new_email.data
    )
    if not run_form(form, change):
        return render_account(form_status(form), email_form=form)
    flash(
        _(
            "Vi har skickat ett mejl till %(address)s. Följ länken i det för att byta adress.",
            address=form.new_email.data,
        ),
        "info",
    )
    return redirect(url_for("auth.account"))


@bp.route("/installningar/konto/ny-epost/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    try:
        user, new_email = accounts.email_change_for(token)
    except tokens.TokenInvalid as error:
        return link_problem(error)
    if user.email == new_email:
        return render_template("auth/email_changed.html", address=new_email, already=True)
    if request.method == "GET":  # a button confirms, so that link scanners change nothing
        return render_template("auth/confirm_email_change.html", address=new_email, token=token)
    try:
        run_rule(lambda: accounts.do_change_email(user, new_email))
    except accounts.EmailTaken:
        return render_template("auth/email_taken.html", address=new_email), 409
    return render_template("auth/email_changed.html", address=new_email, already=False)


@bp.route("/installningar/konto/tvastegsverifiering", methods=["GET", "POST"])
@login_required
def two_factor():
    user = current_user._get_current_object()
    if user.two_factor_enabled:
        return render_account()
    secret = twofactor.open_pending_secret(user, session.get(SETUP_SECRET))
    if secret is None:
        # Kept sealed in the session until confirmed: nothing is written on a GET.
        secret = twofactor.new_secret()
        session[SETUP_SECRET] = twofactor.seal_pending_secret(user, secret)
    form = EnableTwoFactorForm()
    done = run_form(form, lambda: accounts.turn_on_two_factor(user, secret, form.code.data))
    if done:
        session.pop(SETUP_SECRET, None)
        return render_template("auth/recovery_codes.html", codes=done.value, new_setup=True)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        secret=secret,
        uri=twofactor.provisioning_uri(secret, user.email),
        required=twofactor.needs_two_factor_setup(user),
    ), form_status(form)


@bp.post("/installningar/konto/tvastegsverifiering/av")
@login_required
def disable_two_factor():
    user = current_user._get_current_object()
    form = ConfirmPasswordForm()
    try:
        run_rule(lambda: accounts.turn_off_two_factor(user, form.current_password.data or ""))
    except RuleError as error:
        flash(error.message, "error")
        return redirect(url_for("auth.account")), 303
    flash(_("Tvåstegsverifieringen är avstängd."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/installningar/konto/reservkoder")
@login_required
def new_recovery_codes():
    user = current_user._get_current_object()
    form = ConfirmPasswordForm()
    if not user.two_factor_enabled:
        return redirect(url_for("auth.two_factor"))
    try:
        codes = run_rule(
            lambda: accounts.renew_recovery_codes(user, form.current_password.data or "")
        )
    except RuleError as error:
        flash(error.message, "error")
        return redirect(url_for("auth.account")), 303
    return render_template("auth/recovery_codes.html", codes=codes, new_setup=False)
