"""The foundation's own pages: the health check, the settings overview and the privacy notice."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from hub.core.db import database_reachable
from hub.core.settings import settings_sections

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    if not database_reachable():
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200


@bp.get("/installningar")
@login_required
def settings():
    return render_template("core/settings.html", sections=settings_sections())


@bp.get("/personuppgifter")
def privacy():
    return render_template("core/privacy.html")
