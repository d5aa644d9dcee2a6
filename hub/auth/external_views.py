"""Sign-in with the municipality's own account: the provider round trip, the first sign-in
(link an existing account or become a new member), signing out at the provider, and the
linked accounts in ``/installningar/konto``.

Every refusal is a clear page and a log line, never a 500 and never a session."""

from __future__ import annotations

import logging
import secrets

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.auth import accounts, identities, oidc, saml, tokens
from hub.auth.accounts import LoginOutcome
from hub.auth.external_forms import (
    LinkByMailForm,
    LinkWithPasswordForm,
    NewMemberForm,
    ProviderStartForm,
)
from hub.auth.identities import ProviderIdentity, SignInRefused
from hub.auth.models import User
from hub.auth.views import (
    THROTTLED_LOGIN_ERROR,
    begin_two_factor,
    bp,
    finish_login,
    link_problem,
    safe_next,
)
from hub.core.edge import keep_writes
from hub.core.ratelimit import client_ip
from hub.core.security import content_security_policy, csp_nonce
from hub.extensions import csrf, db

log = logging.getLogger(__name__)

PROVIDER_START = "provider_start"
SAML_START = "saml_start"
PENDING_IDENTITY = "pending_identity"
REFUSED_STATUS = {"invalid": 400, "unmapped": 403, "inactive": 403, "down": 503}


@bp.context_processor  # the sign-in page's, not every page's: it is the auth blueprint's
def provider_sign_in() -> dict:
    return {"provider_sign_in": oidc.enabled(), "saml_sign_in": saml.enabled()}


@bp.after_app_request
def allow_the_provider_as_form_action(response):
    """The sign-in button posts to the hub, which redirects to the provider; browsers hold that
    redirect to CSP's form-action, so the login page allows the provider's origin too."""
    if request.endpoint == "auth.login" and oidc.enabled():
        origins = " ".join(oidc.provider_origins())
        policy = content_security_policy(csp_nonce(), form_action=f"'self' {origins}")
        response.headers["Content-Security-Policy"] = policy
    return response


# The provider's answer signs nobody in: one page for every route of the round trip.
@bp.errorhandler(SignInRefused)
def refused(error: SignInRefused):
    log.warning(
        "Sign-in with the municipality's account refused (%s): %s", error.reason, error.detail
    )
    session.pop(PENDING_IDENTITY, None)
    return render_template("auth/provider_refused.html", reason=error.reason), REFUSED_STATUS[
        error.reason
    ]


@bp.post("/logga-in/kommun")
def provider_start():
    if not oidc.enabled():
        abort(404)
    form = ProviderStartForm(prefix="kommun")
    form.validate_on_submit()  # CSRFProtect has checked the token; the box is all there is
    session[PROVIDER_START] = {
        "r": bool(form.remember.data),
        "n": safe_next(request.args.get("next")),
    }
    return oidc.authorize_redirect(accounts.absolute_url("auth.oidc_callback"))


@bp.get("/logga-in/kommun/klar")
def oidc_callback():
    if not oidc.enabled():
        abort(404)
    start = session.pop(PROVIDER_START, None) or {}
    identity = oidc.finish()
    user = identities.user_for(identity)
    return after_provider(identity, user, bool(start.get("r")), safe_next(start.get("n")))


def after_provider(identity: ProviderIdentity, user: User | None, remember: bool, next_url: str):
    """A validated identity: sign its account in, or ask how to link it the first time."""
    if user is not None:
        return sign_in(user, identity, remember, next_url)
    session[PENDING_IDENTITY] = {"i": identity.as_session(), "r": remember, "n": next_url}
    return redirect(url_for("auth.provider_first_time"))


def sign_in(user: User, identity: ProviderIdentity, remember: bool, next_url: str):
    """Two-factor sign-in is done by the provider when its token says so (``amr``: mfa);
    otherwise an account with the hub's own two-factor sign-in takes that step too."""
    via = {"via": identity.protocol, "mfa": identity.mfa}
    if user.two_factor_enabled and not identity.mfa:
        begin_two_factor(user, remember, next_url, via)
        return redirect(url_for("auth.login_code"))
    log.info("User %s signed in through %s (%s)", user.id, identity.issuer, identity.protocol)
    return finish_login(user, remember, next_url, via)


# --- SAML 2.0 -----------------------------------------------------------------------------------


@bp.get("/saml/metadata")
def saml_metadata():
    """The service provider's metadata, at a stable address for the identity providers."""
    if not saml.enabled():
        abort(404)
    return Response(saml.metadata_xml(), mimetype="application/samlmetadata+xml")


@bp.post("/logga-in/saml")
def saml_start():
    if not saml.enabled():
        abort(404)
    form = ProviderStartForm(prefix="kommun")
    form.validate_on_submit()
    providers = saml.identity_providers()
    chosen = request.form.get("idp") or (providers[0] if len(providers) == 1 else "")
    if chosen not in providers:
        abort(400)
    nonce = secrets.token_urlsafe(16)
    session[SAML_START] = {
        "b": nonce,
        "r": bool(form.remember.data),
        "n": safe_next(request.args.get("next")),
    }
    return redirect(saml.authorize_url(chosen, nonce))


@bp.post("/saml/acs")
@csrf.exempt  # posted by the identity provider's page; the signed assertion is the proof
def saml_acs():
    if not saml.enabled():
        abort(404)
    token = saml.finish(request.form.get("SAMLResponse", ""), request.form.get("RelayState", ""))
    return redirect(url_for("auth.saml_done", t=token), 303)


@bp.get("/logga-in/saml/klar")
def saml_done():
    if not saml.enabled():
        abort(404)
    start = session.pop(SAML_START, None) or {}
    identity = saml.read_handover(request.args.get("t", ""), start.get("b"))
    user = identities.user_for(identity)
    return after_provider(identity, user, bool(start.get("r")), safe_next(start.get("n")))


# --- the first sign-in -------------------------------------------------------------------------


def pending() -> tuple[ProviderIdentity, bool, str] | None:
    data = session.get(PENDING_IDENTITY)
    if not isinstance(data, dict):
        return None
    identity = ProviderIdentity.from_session(data.get("i"))
    if identity is None:
        return None
    return identity, bool(data.get("r")), safe_next(data.get("n"))


def start_again():
    session.pop(PENDING_IDENTITY, None)
    flash(_("Det tog för lång tid. Logga in med kommunens konto igen."), "info")
    return redirect(url_for("auth.login"))


def waiting_identity() -> tuple[ProviderIdentity, bool, str]:
    """The identity waiting for its first sign-in; once it has expired, back to the login."""
    found = pending()
    if found is None:
        abort(start_again())
    return found


def render_first_time(identity: ProviderIdentity, status: int = 200, **forms):
    address = identity.email or ""
    taken = bool(identity.email) and accounts.find_user_by_email(identity.email) is not None
    return render_template(
        "auth/provider_first_time.html",
        identity=identity,
        email_taken=taken,
        password_form=forms.get("password_form")
        or LinkWithPasswordForm(formdata=None, prefix="losenord", email=address),
        mail_form=forms.get("mail_form")
        or LinkByMailForm(formdata=None, prefix="mejl", email=address),
        new_form=forms.get("new_form") or NewMemberForm(formdata=None, prefix="ny"),
    ), status


@bp.get("/logga-in/kommun/forsta-gangen")
def provider_first_time():
    return render_first_time(waiting_identity()[0])


@bp.post("/logga-in/kommun/forsta-gangen/losenord")
def link_with_password():
    identity, remember, next_url = waiting_identity()
    form = LinkWithPasswordForm(prefix="losenord")
    if not form.validate_on_submit():
        return render_first_time(identity, 400, password_form=form)
    result = accounts.attempt_login(client_ip(), form.email.data, form.password.data)
    keep_writes()  # attempts count even when refused, or guessing is free
    if result.outcome is LoginOutcome.THROTTLED:
        form.password.errors.append(THROTTLED_LOGIN_ERROR)
        return render_first_time(identity, 429, password_form=form)
    if result.outcome is not LoginOutcome.OK:
        form.password.errors.append(
            _("E-postadressen eller lösenordet stämmer inte.")
            if result.outcome is LoginOutcome.WRONG
            else _("Bekräfta först din e-postadress med länken i mejlet vi skickade.")
        )
        return render_first_time(identity, 400, password_form=form)
    return link_and_sign_in(result.user, identity, remember, next_url)


@bp.errorhandler(identities.AlreadyLinked)
def already_linked(_error: identities.AlreadyLinked):
    session.pop(PENDING_IDENTITY, None)
    return render_template("auth/provider_already_linked.html"), 409


def link_and_sign_in(user: User, identity: ProviderIdentity, remember: bool, next_url: str):
    identities.do_link(user, identity)
    accounts.record_login_success(user)
    return sign_in(user, identity, remember, next_url)


@bp.post("/logga-in/kommun/forsta-gangen/mejl")
def link_by_mail_request():
    identity = waiting_identity()[0]
    form = LinkByMailForm(prefix="mejl")
    if not form.validate_on_submit():
        return render_first_time(identity, 400, mail_form=form)
    identities.request_link_by_mail(form.email.data, identity)
    return render_template("auth/provider_check_email.html", address=form.email.data)


@bp.post("/logga-in/kommun/forsta-gangen/ny")
def provider_new_member():
    identity, remember, next_url = waiting_identity()
    form = NewMemberForm(prefix="ny")
    if identity.email is None and not form.validate_on_submit():
        return render_first_time(identity, 400, new_form=form)
    try:
        user = identities.do_create_member(identity, form.email.data)
    except identities.EmailInUse as error:
        form.email.errors = [error.message]
        return render_first_time(identity, error.status, new_form=form)
    return sign_in(user, identity, remember, next_url)


@bp.route("/logga-in/kommun/koppla/<token>", methods=["GET", "POST"])
def link_by_mail(token: str):
    """The mailed link links only in the browser that signed in at the provider: someone who
    sends such a mail to another person's address cannot get their account by a click."""
    try:
        user, identity = identities.link_request_for(token)
    except tokens.TokenInvalid as error:
        return link_problem(error)
    found = pending()
    if found is None or found[0] != identity:
        return render_template("auth/provider_other_browser.html"), 409
    if request.method == "GET":  # a button links: mail scanners that open links change nothing
        return render_template("auth/provider_link.html", token=token, identity=identity)
    return link_and_sign_in(user, identity, found[1], found[2])


# --- signing out at the provider too -----------------------------------------------------------


@bp.get("/utloggad")
def provider_signed_out():
    url = oidc.logout_url(accounts.absolute_url("site.start"))
    if url is None:
        return redirect(url_for("site.start"))
    return render_template("auth/provider_signed_out.html", logout_url=url)


# --- linked accounts in the settings -------------------------------------------------------------


@bp.post("/installningar/konto/kommunkonto/<int:identity_id>/ta-bort")
@login_required
def remove_identity(identity_id: int):
    removed = identities.do_remove(current_user, identity_id)
    if removed is None:
        abort(404)
    flash(_("Kopplingen till %(label)s är borttagen.", label=removed.label), "info")
    return redirect(url_for("auth.account") + "#kommunkonto")


@bp.app_template_global()
def saml_choices() -> list[tuple[str, str]]:
    """The identity providers in the metadata that are mapped to a municipality, by name."""
    from sqlalchemy import select

    from hub.auth.models import SignInTenant, TenantKind
    from hub.directory.models import Municipality

    rows = db.session.execute(
        select(SignInTenant.key, Municipality.name)
        .join(Municipality, Municipality.scb_code == SignInTenant.municipality_code)
        .where(
            SignInTenant.kind == TenantKind.SAML, SignInTenant.key.in_(saml.identity_providers())
        )
        .order_by(Municipality.name)
    ).all()
    return [(key, name) for key, name in rows]
