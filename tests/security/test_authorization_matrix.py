"""Who may do what: every route × method × persona, with the status each should get.

Adding a route without adding it to ``MATRIX`` fails ``test_every_route_is_in_the_matrix``.
Outcomes: ``OK`` the permission check let the persona through (any answer but 401/403/404/405,
a redirect to login or a 500; a 400 for a thin form is fine); ``NO`` refused (403 signed in, a
redirect to login when anonymous); ``NF`` 404 (the object is hidden from this persona); ``ANY``
anything but a 500 (token links whose answer does not depend on who asks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask import Flask

from hub.extensions import db
from tests.security.conftest import PERSONAS, World, sign_in

OK, NO, NF, ANY = "OK", "NO", "NF", "ANY"


def expect(default: str, **personas: str) -> dict[str, str]:
    unknown = set(personas) - set(PERSONAS)
    assert not unknown, unknown
    return {persona: personas.get(persona, default) for persona in PERSONAS}


PUBLIC = expect(OK)
SIGNED_IN = expect(OK, anonymous=NO)
ADMIN = expect(NO, admin=OK)
# Coordinators (of any network) and admins: moderation, invitations.
STAFF = expect(NO, coordinator=OK, other_coordinator=OK, admin=OK)
# The network's own coordinator, the baton-holding municipality's member and admins.
HOST = expect(NO, holder=OK, coordinator=OK, admin=OK)


@dataclass(frozen=True)
class Route:
    url: str  # formatted with World.ids
    methods: dict[str, dict[str, str]]
    data: dict[str, str] = field(default_factory=dict)  # minimal form fields for POST


def r(url: str, data: dict[str, str] | None = None, **methods: dict[str, str]) -> Route:
    return Route(url, methods, data or {})


MATRIX: dict[str, Route] = {
    # --- shared pages -------------------------------------------------------------------------
    "core.start": r("/", GET=PUBLIC),
    "core.healthz": r("/healthz", GET=PUBLIC),
    "core.settings": r("/installningar", GET=SIGNED_IN),
    "core.privacy": r("/personuppgifter", GET=PUBLIC),
    "core.accessibility": r(
        "/tillganglighet", {"description": "Knappen syns inte"}, GET=PUBLIC, POST=PUBLIC
    ),
    "language.switch": r("/sprak", {"language": "en"}, POST=PUBLIC),
    # --- auth -------------------------------------------------------------------------------
    "auth.login": r("/logga-in", GET=PUBLIC, POST=PUBLIC),
    "auth.logout": r("/logga-ut", POST=SIGNED_IN),
    # --- placeholders until the parts arrive ------------------------------------------------
    "directory.index": r("/katalog", GET=SIGNED_IN),
    "forum.questions": r("/fragor", GET=SIGNED_IN),
    "meetings.index": r("/traffar", GET=SIGNED_IN),
    "meetings.networks": r("/natverk", GET=SIGNED_IN),
    # --- privacy ----------------------------------------------------------------------------
    "privacy.my_data": r("/installningar/mina-uppgifter", GET=SIGNED_IN),
    "privacy.my_data_json": r("/installningar/mina-uppgifter.json", GET=SIGNED_IN),
    "privacy.delete_my_account": r("/installningar/mina-uppgifter/radera", POST=SIGNED_IN),
    "privacy.member_data_json": r("/admin/konton/{member_id}/uppgifter.json", GET=ADMIN),
    "privacy.delete_member": r("/admin/konton/{member_id}/radera", GET=ADMIN, POST=ADMIN),
    # --- admin ------------------------------------------------------------------------------
    "admin.index": r("/admin", GET=ADMIN),
    "admin.categories": r("/admin/kategorier", GET=ADMIN),
    "admin.category_new": r(
        "/admin/kategorier/ny", {"name": "Ny", "slug": "ny"}, GET=ADMIN, POST=ADMIN
    ),
    "admin.category_edit": r("/admin/kategorier/{category_id}", GET=ADMIN, POST=ADMIN),
    "admin.category_delete": r("/admin/kategorier/{category_id}/ta-bort", POST=ADMIN),
    "admin.municipalities": r("/admin/kommuner", GET=ADMIN),
    "admin.municipality_new": r("/admin/kommuner/ny", GET=ADMIN, POST=ADMIN),
    "admin.municipality": r("/admin/kommuner/{code}", GET=ADMIN),
    "admin.municipality_rename": r("/admin/kommuner/{code}", POST=ADMIN),
    "admin.domain_add": r("/admin/kommuner/{code}/domaner", {"domain": "ny.se"}, POST=ADMIN),
    "admin.domain_remove": r("/admin/kommuner/{code}/domaner/laholm.se/ta-bort", POST=ADMIN),
    "admin.unit_add": r("/admin/kommuner/{code}/enheter", {"name": "Enhet"}, POST=ADMIN),
    "admin.unit": r("/admin/kommuner/0180/enheter/{unit_id}", GET=ADMIN, POST=ADMIN),
    "admin.unit_remove": r("/admin/kommuner/0180/enheter/{unit_id}/ta-bort", POST=ADMIN),
    "admin.region_new": r("/admin/lan/ny", GET=ADMIN, POST=ADMIN),
    "admin.accounts": r("/admin/konton", GET=ADMIN),
    "admin.account": r("/admin/konton/{member_id}", GET=ADMIN),
    "admin.account_deactivate": r("/admin/konton/{member_id}/inaktivera", POST=ADMIN),
    "admin.account_reactivate": r("/admin/konton/{member_id}/aktivera", POST=ADMIN),
    "admin.account_role": r("/admin/konton/{member_id}/roll", {"role": "member"}, POST=ADMIN),
    "admin.networks": r("/admin/natverk", GET=ADMIN),
    "admin.network_new": r("/admin/natverk/ny", GET=ADMIN, POST=ADMIN),
    "admin.network": r("/admin/natverk/{network_id}", GET=ADMIN),
    "admin.network_update": r("/admin/natverk/{network_id}", POST=ADMIN),
    "admin.member_add": r("/admin/natverk/{network_id}/kommuner", {"code": "1382"}, POST=ADMIN),
    "admin.member_move": r(
        "/admin/natverk/{network_id}/kommuner/1381/flytta", {"direction": "down"}, POST=ADMIN
    ),
    "admin.member_remove": r("/admin/natverk/{network_id}/kommuner/1380/ta-bort", POST=ADMIN),
    "admin.coordinator_add": r(
        "/admin/natverk/{network_id}/samordnare", {"email": "x@laholm.se"}, POST=ADMIN
    ),
    "admin.coordinator_remove": r(
        "/admin/natverk/{network_id}/samordnare/{coordinator_id}/ta-bort", POST=ADMIN
    ),
}

SKIPPED_ENDPOINTS = {"static"}


def app_routes(app: Flask) -> list[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((rule.endpoint, method))
    return sorted(routes)


def matrix_cases() -> list[tuple[str, str]]:
    return [(endpoint, method) for endpoint, route in MATRIX.items() for method in route.methods]


def test_every_route_is_in_the_matrix(app):
    missing = [
        f"{endpoint} {method}"
        for endpoint, method in app_routes(app)
        if method not in MATRIX.get(endpoint, Route("", {})).methods
    ]
    assert not missing, "Add these routes to MATRIX: " + ", ".join(missing)


def is_login_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and "/logga-in" in response.headers.get(
        "Location", ""
    )


def check(outcome: str, persona: str, response) -> bool:
    status = response.status_code
    if status >= 500:
        return False
    if outcome == ANY:
        return True
    if outcome == NF:
        return status == 404
    if outcome == NO:
        if persona == "anonymous":
            return is_login_redirect(response) or status == 401
        return status == 403
    return status not in (401, 403, 404, 405) and not is_login_redirect(response)


@pytest.mark.parametrize(("endpoint", "method"), matrix_cases())
def test_route_permissions(app, world: World, endpoint, method):
    """Every persona in turn, each inside a savepoint rolled back after its request, so that
    one persona's delete does not change what the next one meets (and the world is built once
    per route rather than once per persona, which keeps the matrix fast)."""
    if endpoint not in {rule.endpoint for rule in app.url_map.iter_rules()}:
        pytest.skip("route not in this app (yet)")
    route = MATRIX[endpoint]
    url = world.format(route.url)
    data = {key: world.format(value) for key, value in route.data.items()}
    user_ids = {persona: world.users[persona].get_id() for persona in world.users}
    connection = db.session.get_bind()
    failures = []
    for persona, outcome in route.methods[method].items():
        client = app.test_client()
        token = sign_in(app, client, user_ids.get(persona))
        savepoint = connection.begin_nested()
        try:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={"csrf_token": token, **data})
        finally:
            savepoint.rollback()
        if not check(outcome, persona, response):
            location = response.headers.get("Location", "")
            failures.append(f"{persona}: expected {outcome}, got {response.status_code} {location}")
    assert not failures, f"{method} {url}\n" + "\n".join(failures)
