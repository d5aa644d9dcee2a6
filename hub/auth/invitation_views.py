"""``/inbjudningar`` for coordinators and admins, and ``/inbjudan/<token>`` for the invited."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user

from hub.auth import invitations
from hub.auth.accounts import find_user_by_email
from hub.auth.forms import InvitationSignUpForm, InviteForm
from hub.auth.permissions import Permission, may_vouch_for, require
from hub.auth.views import bp, municipality_choices
from hub.core.db import utcnow
from hub.core.edge import form_status, keep_writes, run_form
from hub.core.pagination import page_number
from hub.core.rules import RuleError


def invite_form() -> InviteForm:
    form = InviteForm()
    form.municipality.choices = municipality_choices(_("Ingen särskild kommun"))
    if not form.is_submitted():
        form.municipality.data = current_user.municipality_code or ""
        if form.municipality.data and not may_vouch_for(current_user, form.municipality.data):
            form.municipality.data = ""
    return form


def render_invitations(form: InviteForm, status: int = 200):
    pending = invitations.pending_invitations_for(current_user, page_number())
    return render_template(
        "auth/invitations.html", form=form, pending=pending, now=utcnow()
    ), status


@bp.route("/inbjudningar", methods=["GET", "POST"])
@require(Permission.INVITE)
def invitations_page():
    form = invite_form()
    if not form.validate_on_submit():
        return render_invitations(form, form_status(form))
    valid, invalid = invitations.parse_addresses(form.addresses.data)
    if refused(form, len(valid) + len(invalid)):
        return render_invitations(form, 400)
    code = form.municipality.data or None
    result = invitations.create_invitations(current_user._get_current_object(), valid, code)
    if result.sent:
        flash(
            ngettext(
                "En inbjudan skickades till %(num)s adress.",
                "Inbjudningar skickades till %(num)s adresser.",
                len(result.sent),
            ),
            "info",
        )
    problems = report_problems(form, result, invalid)
    if problems:
        # Only the addresses that still need attention stay in the field.
        form.addresses.data = "\n".join(problems)
        keep_writes()  # the good addresses were invited; only the others are sent back
        return render_invitations(form, 400)
    return redirect(url_for("auth.invitations_page"))


def refused(form: InviteForm, addresses: int) -> bool:
    """What the form cannot check alone: the municipality and how many addresses at once."""
    code = form.municipality.data or None
    if code is not None and not may_vouch_for(current_user, code):
        form.municipality.errors.append(
            _("Du kan bara bjuda in till kommuner i de nätverk du samordnar.")
        )
    if addresses > invitations.MAX_ADDRESSES:
        form.addresses.errors.append(
            _("Skicka högst %(n)s adresser åt gången.", n=invitations.MAX_ADDRESSES)
        )
    return bool(form.municipality.errors or form.addresses.errors)


def report_problems(form: InviteForm, result: invitations.InviteResult, invalid: list[str]):
    if invalid:
        form.addresses.errors.append(
            _("De här adresserna går inte att använda: %(list)s.", list=", ".join(invalid))
        )
    if result.has_account:
        form.addresses.errors.append(
            _("De här har redan ett konto: %(list)s.", list=", ".join(result.has_account))
        )
    if result.over_limit:
        form.addresses.errors.append(
            _(
                "Du har skickat så många inbjudningar som går i dag. Försök igen i morgon med: "
                "%(list)s.",
                list=", ".join(result.over_limit),
            )
        )
    return invalid + result.over_limit


def invitation_or_404(invitation_id: int):
    invitation = invitations.get_invitation_for(current_user, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


@bp.post("/inbjudningar/<int:invitation_id>/skicka-igen")
@require(Permission.INVITE)
def resend_invitation(invitation_id: int):
    invitation = invitation_or_404(invitation_id)
    if not invitations.do_resend_invitation(current_user._get_current_object(), invitation):
        abort(429)
    flash(_("Inbjudan skickades igen till %(address)s.", address=invitation.email), "info")
    return redirect(url_for("auth.invitations_page"))


@bp.post("/inbjudningar/<int:invitation_id>/ta-bort")
@require(Permission.INVITE)
def withdraw_invitation(invitation_id: int):
    invitation = invitation_or_404(invitation_id)
    address = invitation.email
    invitations.do_withdraw_invitation(invitation)
    flash(_("Inbjudan till %(address)s är borttagen.", address=address), "info")
    return redirect(url_for("auth.invitations_page"))


@bp.route("/inbjudan/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = invitations.invitation_for_token(token)
    except RuleError as error:
        gone = error.status == 410
        return render_template("auth/link_problem.html", gone=gone, invitation=True), error.status
    if find_user_by_email(invitation.email) is not None:
        return render_template("auth/invitation_has_account.html", address=invitation.email), 409
    form = InvitationSignUpForm(invitation_email=invitation.email)
    form.municipality.choices = municipality_choices(_("Ingen kommun vald"))
    if not form.is_submitted():
        form.municipality.data = invitation.municipality_code or ""
    done = run_form(
        form,
        lambda: invitations.accept_invitation(
            invitation,
            name=form.name.data,
            password=form.password.data,
            municipality_code=form.municipality.data or None,
        ),
    )
    if done:
        session.clear()
        login_user(done.value)
        return redirect(url_for("auth.welcome"))
    html = render_template("auth/accept_invitation.html", form=form, invitation=invitation)
    return html, form_status(form)
