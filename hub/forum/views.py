"""Routes of the forum part."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import login_required

bp = Blueprint("forum", __name__)


@bp.get("/fragor")
@login_required
def questions():
    return render_template("core/placeholder.html", title=_("Frågor"))
