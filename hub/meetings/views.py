"""Routes of the meetings part."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import login_required

bp = Blueprint("meetings", __name__)


@bp.get("/traffar")
@login_required
def index():
    return render_template("core/placeholder.html", title=_("Träffar"))


@bp.get("/natverk")
@login_required
def networks():
    return render_template("core/placeholder.html", title=_("Nätverk"))
