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
# The held meeting was hosted by Laholm, the member's municipality.
HELD_HOST = expect(NO, member=OK, coordinator=OK, admin=OK)
# The network's people: its municipalities' members, its coordinators, admins.
NETWORK_PEOPLE = ("member", "holder", "coordinator", "admin")
IN_NETWORK = expect(NO, **dict.fromkeys(NETWORK_PEOPLE, OK))
# Who takes part in the network's meetings: members of its municipalities and its coordinators
# (not a member of another network, nor one whose change of municipality still waits).
PARTICIPANTS = expect(NO, member=OK, holder=OK, coordinator=OK, admin=OK)
# Who may approve the waiting change to the holder municipality.
VOUCHERS = expect(NO, coordinator=OK, admin=OK, other_coordinator=NF)
# Authors: the member asked the question (and commented on it); the holder wrote the answer.
ASKER = expect(NO, member=OK)
ANSWERER = expect(NO, holder=OK)


def either(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    """Allowed when either rule allows."""
    return {p: OK if OK in (a[p], b[p]) else a[p] for p in PERSONAS}


MODERATORS = STAFF


@dataclass(frozen=True)
class Route:
    url: str  # formatted with World.ids
    methods: dict[str, dict[str, str]]
    data: dict[str, str] = field(default_factory=dict)  # minimal form fields for POST


def r(url: str, data: dict[str, str] | None = None, **methods: dict[str, str] | str) -> Route:
    """A route: its URL, minimal form data, and per method the outcomes (or one for all)."""
    outcomes = {m: expect(o) if isinstance(o, str) else o for m, o in methods.items()}
    return Route(url, outcomes, data or {})


MATRIX: dict[str, Route] = {
    # --- shared pages -------------------------------------------------------------------------
    "site.start": r("/", GET=PUBLIC),
    "core.healthz": r("/healthz", GET=PUBLIC),
    "core.settings": r("/installningar", GET=SIGNED_IN),
    "core.privacy": r("/personuppgifter", GET=PUBLIC),
    "site.accessibility": r(
        "/tillganglighet", {"description": "Knappen syns inte"}, GET=PUBLIC, POST=PUBLIC
    ),
    "language.switch": r("/sprak", {"language": "en"}, POST=PUBLIC),
    # --- auth -------------------------------------------------------------------------------
    "auth.login": r("/logga-in", GET=PUBLIC, POST=PUBLIC),
    "auth.logout": r("/logga-ut", POST=SIGNED_IN),
    "auth.login_code": r("/logga-in/kod", GET=ANY, POST=ANY),  # needs a password step first
    "auth.send_login_link": r("/logga-in/lank", {"email": "a@laholm.se"}, POST=PUBLIC),
    "auth.login_by_link": r("/logga-in/lank/okand", GET=ANY, POST=ANY),
    "auth.sign_up": r("/registrera", GET=PUBLIC, POST=PUBLIC),
    "auth.join_request": r(
        "/ga-med",
        {"name": "Lisa", "email": "l@falkenberg.example", "municipality": "Falkenberg"},
        GET=PUBLIC,
        POST=PUBLIC,
    ),
    "auth.welcome": r("/valkommen", GET=SIGNED_IN),
    "auth.confirm_email": r("/bekrafta/okand", GET=ANY, POST=ANY),
    "auth.resend_confirmation": r("/bekrafta", {"email": "a@laholm.se"}, GET=PUBLIC, POST=PUBLIC),
    "auth.forgot_password": r("/glomt-losenord", {"email": "a@laholm.se"}, GET=PUBLIC, POST=PUBLIC),
    "auth.reset_password": r("/aterstall/okand", GET=ANY, POST=ANY),
    "auth.invitations_page": r("/inbjudningar", {"emails": "b@laholm.se"}, GET=STAFF, POST=STAFF),
    "auth.resend_invitation": r(
        "/inbjudningar/{invitation_id}/skicka-igen",
        POST=expect(NO, coordinator=OK, admin=OK, other_coordinator=NF),
    ),
    "auth.withdraw_invitation": r(
        "/inbjudningar/{invitation_id}/ta-bort",
        POST=expect(NO, coordinator=OK, admin=OK, other_coordinator=NF),
    ),
    "auth.accept_invitation": r("/inbjudan/{invite_token}", GET=PUBLIC, POST=PUBLIC),
    "auth.account": r("/installningar/konto", GET=SIGNED_IN),
    "auth.change_password": r("/installningar/konto/losenord", POST=SIGNED_IN),
    "auth.change_email": r("/installningar/konto/epost", POST=SIGNED_IN),
    "auth.confirm_email_change": r("/installningar/konto/ny-epost/okand", GET=ANY, POST=ANY),
    "auth.two_factor": r("/installningar/konto/tvastegsverifiering", GET=SIGNED_IN, POST=SIGNED_IN),
    "auth.disable_two_factor": r("/installningar/konto/tvastegsverifiering/av", POST=SIGNED_IN),
    "auth.new_recovery_codes": r("/installningar/konto/reservkoder", POST=SIGNED_IN),
    # Sign-in with the municipality's account: the answer depends on the provider's, not on who
    # asks (tests/auth/test_oidc.py covers each step against a real provider).
    "auth.provider_start": r("/logga-in/kommun", POST=ANY),
    "auth.oidc_callback": r("/logga-in/kommun/klar?code=x&state=y", GET=ANY),
    "auth.provider_first_time": r("/logga-in/kommun/forsta-gangen", GET=ANY),
    "auth.link_with_password": r("/logga-in/kommun/forsta-gangen/losenord", POST=ANY),
    "auth.link_by_mail_request": r("/logga-in/kommun/forsta-gangen/mejl", POST=ANY),
    "auth.provider_new_member": r("/logga-in/kommun/forsta-gangen/ny", POST=ANY),
    "auth.link_by_mail": r("/logga-in/kommun/koppla/okand", GET=ANY, POST=ANY),
    "auth.provider_signed_out": r("/utloggad", GET=PUBLIC),
    "auth.saml_metadata": r("/saml/metadata", GET=ANY),
    "auth.saml_start": r("/logga-in/saml", POST=ANY),
    "auth.saml_acs": r("/saml/acs", POST=ANY),
    "auth.saml_done": r("/logga-in/saml/klar?t=x", GET=ANY),
    "auth.remove_identity": r(
        "/installningar/konto/kommunkonto/{identity_id}/ta-bort",
        POST=expect(NF, anonymous=NO, member=OK),
    ),
    # --- directory ----------------------------------------------------------------------------
    "directory.index": r("/katalog", GET=SIGNED_IN),
    "directory.person": r("/katalog/{holder_id}", GET=SIGNED_IN),
    "directory.vcard": r("/katalog/{holder_id}.vcf", GET=SIGNED_IN),
    "directory.photo": r("/katalog/{holder_id}/foto", GET=expect(NF, anonymous=NO)),  # no photo
    "directory.municipality": r("/kommun/1381", GET=SIGNED_IN),
    "directory.network_members_csv": r(
        "/natverk/{network}/medlemmar.csv", GET=expect(NO, coordinator=OK, admin=OK)
    ),
    "directory.edit_profile": r("/installningar/profil", GET=SIGNED_IN, POST=SIGNED_IN),
    "directory.municipality_changes": r("/katalog/kommunbyten", GET=STAFF),
    "directory.decide_change": r("/katalog/kommunbyten/{change_id}/godkann", POST=VOUCHERS),
    # --- forum ------------------------------------------------------------------------------
    "forum.questions": r("/fragor", GET=SIGNED_IN),
    "forum.ask": r("/fragor/ny", GET=SIGNED_IN, POST=SIGNED_IN),
    "forum.question": r("/fragor/{question_id}", GET=SIGNED_IN),
    "forum.answer": r("/fragor/{question_id}/svar", {"body": "Så här gör vi."}, POST=SIGNED_IN),
    "forum.edit_question": r("/fragor/{question_id}/redigera", GET=ASKER, POST=ASKER),
    "forum.edit_answer": r("/svar/{answer_id}/redigera", GET=ANSWERER, POST=ANSWERER),
    "forum.revisions": r("/fragor/{question_id}/versioner", GET=SIGNED_IN),
    "forum.delete_question": r("/fragor/{question_id}/ta-bort", POST=either(ASKER, MODERATORS)),
    "forum.confirm_delete_question": r(
        "/fragor/{question_id}/ta-bort", GET=either(ASKER, MODERATORS)
    ),
    "forum.delete_answer": r("/svar/{answer_id}/ta-bort", POST=either(ANSWERER, MODERATORS)),
    "forum.confirm_delete_answer": r("/svar/{answer_id}/ta-bort", GET=either(ANSWERER, MODERATORS)),
    "forum.comment_question": r(
        "/fragor/{question_id}/kommentar", {"body": "Bra!"}, POST=SIGNED_IN
    ),
    "forum.comment_answer": r("/svar/{answer_id}/kommentar", {"body": "Bra!"}, POST=SIGNED_IN),
    "forum.delete_comment": r("/kommentarer/{comment_id}/ta-bort", POST=either(ASKER, MODERATORS)),
    "forum.confirm_delete_comment": r(
        "/kommentarer/{comment_id}/ta-bort", GET=either(ASKER, MODERATORS)
    ),
    "forum.accept": r("/svar/{answer_id}/godta", POST=either(ASKER, MODERATORS)),
    "forum.helpful": r("/svar/{answer_id}/hjalpsamt", POST=SIGNED_IN),
    "forum.follow": r("/folj/question/{question_id}", POST=SIGNED_IN),
    "forum.ask_to_answer": r(
        "/fragor/{question_id}/be-svara", {"name": "Ada Admin"}, POST=SIGNED_IN
    ),
    # One tap on a person under "Vem kan svara?" (the holder asking themself gets a 400).
    "forum.ask_expert": r(
        "/fragor/{question_id}/be-svara/{holder_id}", POST=expect(OK, anonymous=NO, holder=ANY)
    ),
    "forum.people_json": r("/fragor/personer.json?q=Ad", GET=SIGNED_IN),
    "forum.flag": r("/fragor/{question_id}/flagga", {"reason": "Fel"}, POST=SIGNED_IN),
    "forum.moderation_page": r("/moderering", GET=STAFF),
    "forum.moderate_question": r("/moderering/fragor/{question_id}/hide", POST=STAFF),
    "forum.moderate_answer": r("/moderering/svar/{answer_id}/hide", POST=STAFF),
    "forum.moderate_comment": r("/moderering/kommentarer/{comment_id}/dolj", POST=STAFF),
    "forum.move": r("/moderering/fragor/{question_id}/flytta", POST=STAFF),
    "forum.merge": r("/moderering/fragor/{question_id}/sla-ihop", POST=STAFF),
    "forum.resolve_flag": r("/moderering/flaggor/{flag_id}/klar", POST=STAFF),
    "search.results": r("/sok?q=läsplattor", GET=SIGNED_IN),
    "search.similar": r("/fragor/liknande?q=läsplattor", GET=SIGNED_IN),
    "notifications.index": r("/notiser", GET=SIGNED_IN),
    "notifications.read": r(
        "/notiser/{notification_id}/las", POST=expect(NF, anonymous=NO, member=OK)
    ),
    "notifications.read_all": r("/notiser/las-alla", POST=SIGNED_IN),
    # --- meetings and the baton -------------------------------------------------------------
    "meetings.networks": r("/natverk", GET=SIGNED_IN),
    "meetings.network": r("/natverk/{network}", GET=SIGNED_IN),
    "meetings.pass_baton": r("/natverk/{network}/stafett/lamna-over", POST=HOST),
    "meetings.confirm_pass": r("/natverk/{network}/stafett/lamna-over", GET=HOST),
    "meetings.baton": r("/natverk/{network}/stafett", GET=SIGNED_IN),
    # The network's own coordinators and admins; a coordinator of another network gets 403.
    "health.page": r("/natverk/{network}/halsa", GET=expect(NO, coordinator=OK, admin=OK)),
    "health.csv": r("/natverk/{network}/halsa.csv", GET=expect(NO, coordinator=OK, admin=OK)),
    "announcements.index": r(
        "/natverk/{network}/meddelanden",
        {"body": "Hej alla!"},
        GET=SIGNED_IN,
        POST=expect(NO, coordinator=OK, admin=OK),
    ),
    "meetings.network_feed": r("/natverk/{network}/traffar.ics", GET=SIGNED_IN),
    "meetings.index": r("/traffar", GET=SIGNED_IN),
    "meetings.new_meeting": r("/traffar/ny?natverk={network}", GET=HOST, POST=HOST),
    "meetings.meeting": r("/traffar/{meeting_id}", GET=SIGNED_IN),
    "meetings.edit_meeting": r("/traffar/{meeting_id}/andra", GET=HOST, POST=HOST),
    "meetings.cancel_meeting": r("/traffar/{meeting_id}/stall-in", GET=HOST, POST=HOST),
    "meetings.mark_held": r("/traffar/{meeting_id}/genomford", POST=HOST),
    "meetings.minutes": r(
        "/traffar/{held_meeting_id}/minnesanteckningar", GET=HELD_HOST, POST=HELD_HOST
    ),
    "meetings.rsvp": r("/traffar/{meeting_id}/svar", {"response": "online"}, POST=PARTICIPANTS),
    "meetings.suggest_topic": r(
        "/traffar/{meeting_id}/amnen", {"text": "Robotar"}, POST=PARTICIPANTS
    ),
    "meetings.vote_topic": r("/traffar/{meeting_id}/amnen/{suggestion_id}/rost", POST=PARTICIPANTS),
    "meetings.take_topic": r("/traffar/{meeting_id}/amnen/{suggestion_id}/dagordning", POST=HOST),
    "meetings.attendees_csv": r("/traffar/{meeting_id}/deltagare.csv", GET=HOST),
    "meetings.meeting_ics": r("/traffar/{meeting_id}.ics", GET=SIGNED_IN),
    "meetings.personal_feed": r(
        "/kalender/{calendar_token}.ics", GET=PUBLIC
    ),  # the token is the key
    "meetings.calendar_settings": r("/installningar/kalender", GET=SIGNED_IN, POST=SIGNED_IN),
    # The date poll: the network's people answer, the host side proposes and picks (a thin form:
    # 400 once let through). Not a member of another network, nor the member whose move to the
    # holder municipality still waits.
    "meetings.poll": r("/natverk/{network}/datum", GET=IN_NETWORK),
    "meetings.create_poll": r("/natverk/{network}/datum/ny", POST=HOST),
    "meetings.answer_poll": r("/natverk/{network}/datum/{poll_id}/svar", POST=IN_NETWORK),
    "meetings.close_poll": r("/natverk/{network}/datum/{poll_id}/stang", POST=HOST),
    "meetings.answer_link": r("/datumsvar/okand", GET=ANY, POST=ANY),  # the token is the key
    # --- material library --------------------------------------------------------------------
    "material.index": r("/material", GET=SIGNED_IN),
    "material.feed": r("/material/flode.atom", GET=SIGNED_IN),
    "material.private_feed": r("/material/flode/okand.atom", GET=ANY),  # the token is the key
    "material.feed_settings": r("/installningar/materialflode", GET=SIGNED_IN, POST=SIGNED_IN),
    "material.new_item": r("/material/ny", {"kind": "link"}, GET=SIGNED_IN, POST=SIGNED_IN),
    "material.item": r("/material/{material_id}", GET=SIGNED_IN),
    "material.file": r(  # the row's bytes are not on disk: 404 once let through
        "/material/{material_id}/filer/{material_file_id}/guide.pdf", GET=expect(NF, anonymous=NO)
    ),
    "material.edit_item": r(
        "/material/{material_id}/redigera",
        GET=either(ASKER, MODERATORS),
        POST=either(ASKER, MODERATORS),
    ),
    "material.delete_item": r("/material/{material_id}/ta-bort", POST=either(ASKER, MODERATORS)),
    "material.revisions": r("/material/{material_id}/versioner", GET=SIGNED_IN),
    "material.upload_captions": r(
        "/material/{material_id}/textning", POST=either(ASKER, MODERATORS)
    ),
    "material.helpful": r("/material/{material_id}/hjalpsamt", POST=SIGNED_IN),
    "material.discussion": r("/material/{material_id}/diskussion", POST=SIGNED_IN),
    # Anyone may ask; only the meeting's managers find it among the choices (else a 400).
    "material.add_to_meeting": r(
        "/material/{material_id}/traffar", {"meeting": "{meeting_id}"}, POST=SIGNED_IN
    ),
    "material.remove_from_meeting": r(
        "/material/{material_id}/traffar/{meeting_id}/ta-bort", POST=HOST
    ),
    # --- mail and digests -------------------------------------------------------------------
    "mail.unsubscribe": r("/avregistrera/okand", GET=ANY),
    "mail.unsubscribe_post": r("/avregistrera/okand", POST=ANY),
    # Signed per-member links from mail: a made-up token is a clear 400 page for everyone.
    "mail.action": r("/handling/okand", GET=ANY),
    "mail.action_post": r("/handling/okand", POST=ANY),
    "mail.preferences": r("/installningar/e-post", GET=SIGNED_IN, POST=SIGNED_IN),
    "mail.outbox": r("/admin/utkorg", GET=ADMIN),
    "mail.retry": r("/admin/utkorg/{outbox_id}/forsok-igen", POST=ADMIN),
    "inbound.messages": r("/admin/inkommande", GET=ADMIN),
    "inbound.lift_suppression": r("/admin/inkommande/sparr/{suppression_id}/ta-bort", POST=ADMIN),
    "digests.preview": r("/installningar/e-post/forhandsvisning", GET=SIGNED_IN),
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
    "admin.tenant_add": r(
        "/admin/kommuner/{code}/inloggning",
        {"inloggning-kind": "entra", "inloggning-key": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
        POST=ADMIN,
    ),
    "admin.tenant_remove": r("/admin/kommuner/{code}/inloggning/{tenant_id}/ta-bort", POST=ADMIN),
    "admin.unit_add": r("/admin/kommuner/{code}/enheter", {"name": "Enhet"}, POST=ADMIN),
    "admin.unit": r("/admin/kommuner/0180/enheter/{unit_id}", GET=ADMIN, POST=ADMIN),
    "admin.unit_remove": r("/admin/kommuner/0180/enheter/{unit_id}/ta-bort", POST=ADMIN),
    "admin.region_new": r("/admin/lan/ny", GET=ADMIN, POST=ADMIN),
    "admin.accounts": r("/admin/konton", GET=ADMIN),
    "admin.account": r("/admin/konton/{member_id}", GET=ADMIN),
    "admin.account_deactivate": r("/admin/konton/{member_id}/inaktivera", POST=ADMIN),
    "admin.account_reactivate": r("/admin/konton/{member_id}/aktivera", POST=ADMIN),
    "admin.account_identity_remove": r(
        "/admin/konton/{member_id}/kommunkonto/{identity_id}/ta-bort", POST=ADMIN
    ),
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
def test_route_permissions(matrix_world: tuple[Flask, World], endpoint, method):
    """Every persona in turn, each inside a savepoint rolled back after its request, so that
    one persona's delete does not change what the next one meets (and the world is built once
    for the whole matrix, which keeps it fast)."""
    app, world = matrix_world
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
