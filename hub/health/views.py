"""The health page of a network, for its coordinators and admins, and its CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from hub.directory.people import get_network_for_export
from hub.health import charts
from hub.health.exports import health_csv
from hub.health.figures import network_health

bp = Blueprint("health", __name__)

PRIVATE = {"Cache-Control": "private, no-store"}


@bp.get("/natverk/<slug>/halsa")
@login_required
def page(slug: str):
    # The same people who may download the member list: the network's coordinators and admins.
    network = get_network_for_export(current_user, slug)
    health = network_health(network, current_user)
    return (
        render_template(
            "health/page.html",
            health=health,
            charts=charts,
            page_charts=charts.page_charts(health),
        ),
        200,
        PRIVATE,
    )


@bp.get("/natverk/<slug>/halsa.csv")
@login_required
def csv(slug: str):
    network = get_network_for_export(current_user, slug)
    body = health_csv(network_health(network, current_user))
    headers = {"Content-Disposition": f'attachment; filename="{network.slug}-halsa.csv"', **PRIVATE}
    return Response(body, mimetype="text/csv", headers=headers)
