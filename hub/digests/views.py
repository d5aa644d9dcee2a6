"""Routes of the digests part: the member's preview of their next digest."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from hub.digests.run import preview_digest

bp = Blueprint("digests", __name__)


@bp.get("/installningar/e-post/forhandsvisning")
@login_required
def preview():
    digest = preview_digest(current_user)
    return render_template(
        "digests/preview.html", digest=digest, base_url=current_app.config["BASE_URL"]
    )
