"""Routes of the directory part: the list, a person, a municipality, exports and the profile."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage

from hub.auth import permissions
from hub.auth.permissions import Permission, can, require
from hub.core.edge import form_status, run_form
from hub.core.settings import register_settings_section
from hub.core.tags import tag_slug
from hub.directory import faces, listing, membership
from hub.directory.exports import make_vcard, members_csv
from hub.directory.forms import DecideChangeForm
from hub.directory.official_names import official_name
from hub.directory.options import option_tags
from hub.directory.people import (
    exportable_network_ids,
    get_municipality,
    get_network_for_export,
    get_person_for,
    get_photo_for,
    network_people,
    networks_of,
    person_page,
)
from hub.directory.photos import MAX_PHOTO_BYTES
from hub.directory.privacy import can_view_person
from hub.directory.profile_form import apply_profile_form, prepare_profile_form

bp = Blueprint("directory", __name__)
bp.add_app_template_global(can_view_person, "can_view_person")
bp.add_app_template_global(faces.avatar, "person_avatar")
bp.add_app_template_global(faces.role_line, "person_role_line")
bp.add_app_template_global(faces.person_list, "person_list_html")
bp.add_app_template_global(option_tags, "option_tags")


@bp.app_template_filter("municipality")
def municipality_filter(municipality) -> str:
    """The official name of a Municipality row ("Laholms kommun")."""
    if municipality is None:
        return ""
    return official_name(municipality.scb_code, municipality.name)


register_settings_section(
    "directory.edit_profile",
    _l("Profil och integritet"),
    _l("Det andra ser om dig i katalogen, och vem som får se din e-post och ditt telefonnummer."),
    order=10,
)

# Where coordinators invite people (built in the auth part).
INVITATIONS_PATH = "/inbjudningar"


@bp.get("/katalog")
@login_required
def index():
    options = listing.load_filter_options()
    filters = listing.parse_filters(request.args, options)
    per_page = listing.parse_per_page(request.args.get("per_page"))
    page = listing.list_people(filters, listing.parse_page(request.args.get("page")), per_page)
    args = dict(filters.query_args())
    if per_page != listing.PER_PAGE_DEFAULT:
        args["per_page"] = str(per_page)
    return render_template(
        "directory/index.html",
        options=options,
        filters=filters,
        page=page,
        per_page=per_page,
        args=args,
        pending_changes=membership.changes_shown_to(current_user, page.items),
        can_invite=can(current_user, Permission.INVITE),
        invitations_path=INVITATIONS_PATH,
    )


@bp.get("/katalog/<int:user_id>")
@login_required
def person(user_id: int):
    page = person_page(current_user, user_id)
    # Only those who may approve a waiting change see it. A member with a change waiting has
    # no municipality, so nobody else pays a query for it.
    waiting = current_user.is_staff and page.person.municipality_code is None
    change = membership.pending_change(page.person.id) if waiting else None
    if change is not None and not permissions.may_vouch_for(current_user, change.to_code):
        change = None
    return render_template("directory/person.html", page=page, pending_change=change)


@bp.get("/katalog/kommunbyten")
@require(Permission.INVITE)
def municipality_changes():
    return render_template(
        "directory/municipality_changes.html",
        changes=membership.changes_to_decide(current_user),
    )


@bp.post("/katalog/kommunbyten/<int:change_id>/<any(godkann, neka):decision>")
@require(Permission.INVITE)
def decide_change(change_id: int, decision: str):
    change = membership.get_change_for(current_user, change_id)
    if not DecideChangeForm().validate_on_submit():
        abort(400)
    if decision == "godkann":
        membership.approve(change, by=current_user)
        flash(_("Bytet av kommun är godkänt."), "success")
    else:
        membership.refuse(change, by=current_user)
        flash(_("Bytet av kommun är nekat."), "info")
    return redirect(url_for("directory.municipality_changes"))


@bp.get("/katalog/<int:user_id>.vcf")
@login_required
def vcard(user_id: int):
    person, view = get_person_for(current_user, user_id)
    filename = (tag_slug(person.name) or f"person-{person.id}") + ".vcf"
    return Response(
        make_vcard(person, view),
        mimetype="text/vcard",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/katalog/<int:user_id>/foto")
@login_required
def photo(user_id: int):
    stored, version = get_photo_for(current_user, user_id)
    response = Response(stored.data, mimetype=stored.content_type)
    if request.args.get("v") == str(version):
        # The URL names this very photo, so a private cache may keep it for a long time.
        response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/kommun/<code>")
@login_required
def municipality(code: str):
    found = get_municipality(code)
    filters = listing.DirectoryFilters(municipality=found.scb_code)
    per_page = listing.parse_per_page(request.args.get("per_page"))
    page = listing.list_people(filters, listing.parse_page(request.args.get("page")), per_page)
    args: dict[str, str] = {"code": found.scb_code}
    if per_page != listing.PER_PAGE_DEFAULT:
        args["per_page"] = str(per_page)
    networks = networks_of(found.scb_code)
    return render_template(
        "directory/municipality.html",
        municipality=found,
        networks=networks,
        exportable=exportable_network_ids(current_user, networks),
        page=page,
        args=args,
    )


@bp.get("/natverk/<slug>/medlemmar.csv")
@login_required
def network_members_csv(slug: str):
    network = get_network_for_export(current_user, slug)
    body = members_csv(current_user, network_people(network))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{network.slug}-medlemmar.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/installningar/profil", methods=["GET", "POST"])
@login_required
def edit_profile():
    form, profile = prepare_profile_form(current_user)
    save = lambda: apply_profile_form(current_user, profile, form, read_upload(form.photo.data))  # noqa: E731
    if run_form(form, save):
        flash(profile_saved_message(current_user.id), "success")
        return redirect(url_for("directory.edit_profile"))
    html = render_template(
        "directory/edit_profile.html",
        form=form,
        profile=profile,
        pending_change=form.pending_change,
    )
    return html, form_status(form)


def profile_saved_message(user_id: int) -> str:
    if membership.pending_change(user_id) is None:
        return _("Din profil är sparad.")
    return _(
        "Din profil är sparad. Bytet av kommun gäller när en samordnare för "
        "den nya kommunen har godkänt det."
    )


def read_upload(upload: FileStorage | None) -> bytes | None:
    """At most one byte more than allowed, so too big is known without reading it all."""
    if not upload:
        return None
    try:
        return upload.read(MAX_PHOTO_BYTES + 1)
    finally:
        upload.close()  # large uploads are spooled to a temporary file
