"""Start page and health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from hub.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def start():
    return render_template("core/start.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200
