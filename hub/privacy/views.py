"""A member's own data: see it, download it, delete the account. Admins can do it on request."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from hub.auth.models import User
from hub.auth.permissions import Permission, require
from hub.core.edge import form_status, run_form
from hub.core.settings import register_settings_section
from hub.extensions import db
from hub.privacy.erase import delete_account, delete_own_account
from hub.privacy.forms import AdminDeleteAccountForm, DeleteAccountForm
from hub.privacy.personal_data import export_member
from hub.privacy.readable import readable_kinds

bp = Blueprint("privacy", __name__)

register_settings_section(
    "privacy.my_data",
    _l("Mina uppgifter"),
    _l("Ladda ner allt vi har om dig, eller ta bort ditt konto."),
    order=90,
)


@bp.get("/installningar/mina-uppgifter")
@login_required
def my_data():
    kinds = readable_kinds(export_member(current_user.id))
    return render_template("privacy/my_data.html", kinds=kinds, form=DeleteAccountForm())


@bp.get("/installningar/mina-uppgifter.json")
@login_required
def my_data_json():
    return json_download(current_user.id)


@bp.post("/installningar/mina-uppgifter/radera")
@login_required
def delete_my_account():
    form = DeleteAccountForm()
    user = current_user._get_current_object()
    delete = lambda: delete_own_account(  # noqa: E731
        user, form.password.data, delete_posts=form.posts.data == "delete"
    )
    if run_form(form, delete):
        logout_user()
        flash(_("Ditt konto är borttaget. Tack för att du var med i nätverket!"), "info")
        return redirect(url_for("site.start"))
    kinds = readable_kinds(export_member(current_user.id))
    return render_template("privacy/my_data.html", kinds=kinds, form=form), form_status(form)


@bp.get("/admin/konton/<int:user_id>/uppgifter.json")
@require(Permission.ADMIN)
def member_data_json(user_id: int):
    get_user_or_404(user_id)
    return json_download(user_id)


@bp.route("/admin/konton/<int:user_id>/radera", methods=["GET", "POST"])
@require(Permission.ADMIN)
def delete_member(user_id: int):
    user = get_user_or_404(user_id)
    form = AdminDeleteAccountForm()
    if form.validate_on_submit():
        delete_account(user, delete_posts=form.posts.data == "delete")
        flash(_("Kontot är borttaget."), "info")
        return redirect(url_for("site.start"))
    return render_template("privacy/admin_delete.html", form=form, member=user), form_status(form)


def get_user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def json_download(user_id: int) -> Response:
    body = json.dumps(export_member(user_id), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="mina-uppgifter-stafetten.json"'},
    )
