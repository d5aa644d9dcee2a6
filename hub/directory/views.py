"""Routes of the directory part."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import login_required

bp = Blueprint("directory", __name__)


@bp.get("/katalog")
@login_required
def index():
    return render_template("core/placeholder.html", title=_("Katalog"))
