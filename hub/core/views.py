"""Start page and health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import text

from hub.core.settings import settings_sections
from hub.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def start():
    from flask_login import current_user

    from hub.meetings.summary import start_page_summary

    return render_template("core/start.html", baton_summary=start_page_summary(current_user))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200


@bp.get("/installningar")
@login_required
def settings():
    return render_template("core/settings.html", sections=settings_sections())


@bp.get("/tillganglighet")
def accessibility():
    return render_template("core/placeholder.html", title=_("Tillgänglighetsredogörelse"))


@bp.get("/personuppgifter")
def privacy():
    return render_template("core/placeholder.html", title=_("Så behandlar vi personuppgifter"))
