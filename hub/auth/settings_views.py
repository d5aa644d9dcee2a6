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
from hub.core.settings import register_settings_section
from hub.extensions import db

register_settings_section(
    "auth.account",
    _l("Konto och inloggning"),
    _l("Byt lösenord eller e-postadress och slå på tvåstegsverifiering."),
    order=40,
)

SETUP_SECRET = "totp_setup_secret"  # noqa: S105  (a session key name)
WRONG_PASSWORD = _l("Lösenordet stämmer inte.")


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
    if not form.validate_on_submit():
        return render_account(400, password_form=form)
    if not accounts.check_current_password(user, form.current_password.data):
        form.current_password.errors.append(WRONG_PASSWORD)
        return render_account(400, password_form=form)
    accounts.do_change_password(user, form.password.data)
    # Every other session ends; this one continues under the new session version.
    cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    remembered = cookie_name in request.cookies
    session.clear()
    login_user(user, remember=remembered)
    db.session.commit()
    flash(_("Ditt lösenord är bytt. Du är utloggad på alla andra enheter."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/installningar/konto/epost")
@login_required
def change_email():
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        return render_account(400, email_form=form)
    if not accounts.check_current_password(user, form.email_password.data):
        form.email_password.errors.append(WRONG_PASSWORD)
        return render_account(400, email_form=form)
    accounts.request_email_change(user, form.new_email.data)
    db.session.commit()
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
        accounts.do_change_email(user, new_email)
    except accounts.EmailTaken:
        db.session.rollback()
        return render_template("auth/email_taken.html", address=new_email), 409
    db.session.commit()
    return render_template("auth/email_changed.html", address=new_email, already=False)


@bp.route("/installningar/konto/tvastegsverifiering", methods=["GET", "POST"])
@login_required
def two_factor():
    user = current_user._get_current_object()
    if user.two_factor_enabled:
        return render_account()
    secret = session.get(SETUP_SECRET)
    if not isinstance(secret, str) or len(secret) != 32:
        # Kept in the signed session until confirmed: nothing is written on a GET.
        secret = session[SETUP_SECRET] = twofactor.new_secret()
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        codes = twofactor.enable_two_factor(user, secret, form.code.data)
        if codes is not None:
            accounts.send_security_notice(user, "two_factor_on")
            db.session.commit()
            session.pop(SETUP_SECRET, None)
            return render_template("auth/recovery_codes.html", codes=codes, new_setup=True)
        form.code.errors.append(
            _("Koden stämmer inte. Kontrollera att klockan i telefonen går rätt och försök igen.")
        )
    status = 400 if form.is_submitted() else 200
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        secret=secret,
        uri=twofactor.provisioning_uri(secret, user.email),
        required=twofactor.needs_two_factor_setup(user),
    ), status


@bp.post("/installningar/konto/tvastegsverifiering/av")
@login_required
def disable_two_factor():
    user = current_user._get_current_object()
    form = ConfirmPasswordForm()
    if current_app.config.get("REQUIRE_2FA_FOR_STAFF") and user.is_staff:
        flash(_("Samordnare och administratörer måste ha tvåstegsverifiering påslagen."), "error")
        return redirect(url_for("auth.account")), 303
    if not form.validate_on_submit() or not accounts.check_current_password(
        user, form.current_password.data
    ):
        flash(_("Lösenordet stämmer inte. Tvåstegsverifieringen är fortfarande på."), "error")
        return redirect(url_for("auth.account")), 303
    twofactor.disable_two_factor(user)
    accounts.send_security_notice(user, "two_factor_off")
    db.session.commit()
    flash(_("Tvåstegsverifieringen är avstängd."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/installningar/konto/reservkoder")
@login_required
def new_recovery_codes():
    user = current_user._get_current_object()
    form = ConfirmPasswordForm()
    if not user.two_factor_enabled:
        return redirect(url_for("auth.two_factor"))
    if not form.validate_on_submit() or not accounts.check_current_password(
        user, form.current_password.data
    ):
        flash(_("Lösenordet stämmer inte. Dina gamla reservkoder gäller fortfarande."), "error")
        return redirect(url_for("auth.account")), 303
    codes = twofactor.make_recovery_codes(user)
    accounts.send_security_notice(user, "recovery_codes")
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, new_setup=False)
