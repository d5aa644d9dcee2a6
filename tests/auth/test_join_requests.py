"""Joining (#21): someone whose municipality cannot sign up by itself asks to join; the request
reaches the coordinators of the region's network, or the admins when there are none, through the
outbox, and the page says what happens next. After confirming the address the member is signed
in on the three first steps (``/valkommen``), which tick themselves off."""

from __future__ import annotations

import pytest

from hub.auth import join_requests
from hub.auth.models import Role
from hub.core.models import user_expertise
from hub.core.tags import get_or_create_tags
from hub.directory.models import Profile
from hub.extensions import db
from hub.meetings.models import Rsvp
from tests.conftest import csrf_token
from tests.factories import make_meeting

ASK = {
    "name": "Karin Lund",
    "email": "karin.lund@falkenberg-omsorg.example",
    "municipality": "Falkenbergs kommun",
    "message": "Jag är digitaliseringsombud på ett boende.",
}


def ask(post_form, **changes):
    return post_form("/ga-med", {**ASK, **changes})


@pytest.fixture
def halland_coordinator(create_user, create_network):
    coordinator = create_user(role=Role.COORDINATOR, email="samordnare@halmstad.se")
    create_network(codes=("1380", "1381"), coordinators=[coordinator])
    return coordinator


@pytest.fixture
def admin(create_user):
    return create_user(role=Role.ADMIN, email="admin@stafetten.test")


def test_a_request_reaches_the_regions_coordinators(post_form, outbox, halland_coordinator, admin):
    sent = ask(post_form)
    assert sent.status_code == 200
    assert "Det här händer nu" in sent.text
    assert "Samordnarna för nätverket i Hallands län läser din förfrågan." in sent.text
    assert ASK["email"] in sent.text
    [mail] = outbox("account_join_request")
    assert mail.to_address == halland_coordinator.email  # not the admin: the region has a network
    assert "Karin Lund vill gå med i Stafetten" in mail.subject
    for text in (ASK["email"], "Falkenbergs kommun", ASK["message"], "/inbjudningar"):
        assert text in mail.body_text
    assert "Vi tror att det är: Falkenbergs kommun" in mail.body_text
    assert "List-Unsubscribe" not in mail.headers  # service mail to staff, always sent


def test_without_a_network_in_the_region_the_admins_get_it(
    post_form, outbox, halland_coordinator, admin
):
    ask(post_form, municipality="Göteborg", email="k@goteborg-omsorg.example")
    ask(post_form, municipality="Österåker", email="k@osteraker-omsorg.example")  # Stockholm
    mails = outbox("account_join_request")
    assert [m.to_address for m in mails] == [admin.email, admin.email]
    assert "administratör" in mails[0].body_text and "Vi tror" not in mails[0].body_text
    assert "Vi tror att det är: Österåkers kommun" in mails[1].body_text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Skriv ditt namn."),
        ({"email": "inte-en-adress"}, "email", "Skriv en e-postadress som namn@kommun.se."),
        ({"municipality": "  "}, "municipality", "Skriv vilken kommun du arbetar i."),
        ({"municipality": "x" * 81}, "municipality", "Skriv högst 80 tecken."),
        ({"message": "y" * 1001}, "message", "Skriv högst 1000 tecken."),
        (
            {"email": "karin@laholm.se"},
            "email",
            "Din kommun är redan med i Stafetten. Skapa ett konto direkt",
        ),
    ],
)
def test_bad_input_is_kept_with_a_message_at_the_field(
    post_form, outbox, admin, changes, field, message
):
    refused = ask(post_form, **changes)
    assert refused.status_code == 400
    assert f'id="{field}-error"' in refused.text and message in refused.text
    assert 'value="Karin Lund"' in refused.text or field == "name"  # the text is kept
    assert outbox("account_join_request") == []


def test_requests_are_rate_limited_and_need_the_csrf_token(client, post_form, outbox, admin):
    assert ask(post_form).status_code == 200
    assert ask(post_form).status_code == 200
    third = ask(post_form)  # the same address a third time in a day
    assert third.status_code == 429 and third.headers["Retry-After"] == "3600"
    assert "Försök igen om en stund" in third.text and 'value="Karin Lund"' in third.text
    assert len(outbox("account_join_request")) == 2
    forged = client.post("/ga-med", data=ASK)
    assert forged.status_code == 400
    assert len(outbox("account_join_request")) == 2


def test_the_sign_up_page_and_its_refusal_lead_to_the_request(client, post_form):
    assert 'href="/ga-med"' in client.get("/registrera").text
    page = client.get("/ga-med").text
    assert "Be om att få gå med" in page and 'name="municipality"' in page


def test_someone_signed_in_does_not_need_to_ask(client, create_user, login):
    login(create_user())
    assert client.get("/ga-med").headers["Location"] == "/"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Laholm", "1381"),
        ("  laholms   kommun ", "1381"),
        ("Stockholms stad", "0180"),
        ("ÖSTERÅKER", "0117"),
        ("Hylte kommun", "1315"),
        ("Göteborg", None),
        ("", None),
    ],
)
def test_the_municipality_is_recognised_as_people_write_it(app, written, code):
    found = join_requests.find_municipality(written)
    assert (found.scb_code if found else None) == code


# --- the three first steps -----------------------------------------------------------------


def test_the_first_steps_tick_themselves_off(client, create_user, create_network, login):
    network = create_network(codes=("1381",))
    member = create_user(municipality_code="1381", name="Karin Lund")
    login(member)
    page = client.get("/valkommen").text
    assert "Välkommen, Karin!" in page
    for title in ("Fyll i din profil", "Följ det du kan", "Se nätverkets nästa träff"):
        assert title in page
    assert "Klart" not in page and "Ingen träff är bokad än" in page

    db.session.add(Profile(user_id=member.id, workplace="Solgårdens boende"))
    [tag] = get_or_create_tags(["surfplattor"])
    db.session.execute(user_expertise.insert().values(user_id=member.id, tag_id=tag.id))
    meeting = make_meeting(network, days=20, host_code="1381", title="Vårträff")
    page = client.get("/valkommen").text
    assert page.count("Klart") == 2 and f"/traffar/{meeting.id}" in page

    db.session.add(Rsvp(meeting_id=meeting.id, user_id=member.id, response="online"))
    db.session.commit()
    assert client.get("/valkommen").text.count("Klart") == 3


def test_the_welcome_needs_a_sign_in(client):
    assert client.get("/valkommen").status_code == 302


def test_confirming_with_two_factor_goes_through_the_code(client, create_user, app):
    from hub.auth import tokens

    user = create_user(confirmed=False)
    user.totp_secret = "sealed"  # only whether one is set matters here
    db.session.commit()
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"u": user.id, "e": user.email})
    page = client.get(f"/bekrafta/{token}")
    done = client.post(f"/bekrafta/{token}", data={"csrf_token": csrf_token(page.text)})
    assert done.headers["Location"] == "/logga-in/kod"
