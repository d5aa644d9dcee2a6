"""Self sign-up with a work address, and confirmation by mail."""

from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from tests.auth.conftest import link_in
from tests.factories import PASSWORD

GOOD_PASSWORD = "blåbär i skogen vid sjön"


def sign_up(post_form, email, name="Karin Lund", password=GOOD_PASSWORD):
    return post_form("/registrera", {"name": name, "email": email, "password": password})


def user_by_email(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_sign_up_with_municipality_domain_needs_confirmation(client, post_form, outbox):
    response = sign_up(post_form, "karin.lund@kungsbacka.se")
    assert response.status_code == 200
    assert "Vi har skickat ett mejl" in response.text
    user = user_by_email("karin.lund@kungsbacka.se")
    assert user.municipality_code == "1384" and user.email_confirmed_at is None

    # Unconfirmed: the right password says so plainly and offers a new mail.
    login = post_form("/logga-in", {"email": user.email, "password": GOOD_PASSWORD})
    assert login.status_code == 403
    assert "Bekräfta din e-postadress först" in login.text
    assert "Skicka ett nytt mejl" in login.text

    link = link_in(outbox("confirm_email")[0], "/bekrafta/")
    page = client.get(link)
    assert page.status_code == 200 and "Bekräfta" in page.text
    assert user_by_email(user.email).email_confirmed_at is None  # a GET changes nothing
    confirmed = post_form(link, {})
    # Confirmed and signed in at once, on the three first steps; no second login.
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/valkommen"
    assert user_by_email(user.email).email_confirmed_at is not None
    welcome = client.get("/valkommen")
    assert welcome.status_code == 200 and "Fyll i din profil" in welcome.text
    again = post_form(link, {})  # the link followed twice signs nobody in the second time
    assert again.status_code == 200 and "redan bekräftat" in again.text

    login = post_form("/logga-in", {"email": user.email, "password": GOOD_PASSWORD})
    assert login.status_code == 302


def test_subdomain_and_case_count_for_the_municipality_domain(post_form):
    assert sign_up(post_form, "Anna.Berg@Omsorg.KUNGSBACKA.se").status_code == 200
    user = user_by_email("anna.berg@omsorg.kungsbacka.se")
    assert user is not None and user.municipality_code == "1384"


def test_unknown_domain_is_refused_next_to_the_field(post_form, outbox):
    response = sign_up(post_form, "karin@gmail.com", name="Karin Okänd")
    assert response.status_code == 400
    assert "Din kommun kan inte skapa konton själv i Stafetten än." in response.text
    assert 'href="/ga-med"' in response.text  # the way in for a municipality not in the hub
    assert 'value="Karin Okänd"' in response.text  # the text is kept
    assert user_by_email("karin@gmail.com") is None
    assert outbox() == []


def test_lookalike_domain_is_not_a_subdomain(post_form):
    assert sign_up(post_form, "x@evilkungsbacka.se").status_code == 400
    assert sign_up(post_form, "x@kungsbacka.se.evil.example").status_code == 400


def test_existing_address_gets_the_same_answer_and_a_note(create_user, post_form, outbox):
    owner = create_user(email="lena.holm@laholm.se")
    response = sign_up(post_form, "Lena.Holm@laholm.se", name="Någon Annan")
    assert response.status_code == 200 and "Vi har skickat ett mejl" in response.text
    assert db.session.scalars(select(User).where(User.email == owner.email)).all() == [owner]
    [note] = outbox("account_exists")
    assert note.to_address == owner.email
    assert outbox("confirm_email") == []


def test_confirmation_link_expires(client, post_form, outbox, clock):
    sign_up(post_form, "sara@varberg.se")
    link = link_in(outbox("confirm_email")[0], "/bekrafta/")
    clock.advance(days=4)
    response = client.get(link)
    assert response.status_code == 410
    assert "gått ut" in response.text
    assert user_by_email("sara@varberg.se").email_confirmed_at is None


def test_confirmation_link_followed_twice_is_harmless(client, post_form, outbox):
    sign_up(post_form, "sara@varberg.se")
    link = link_in(outbox("confirm_email")[0], "/bekrafta/")
    post_form(link, {})
    again = client.get(link)
    assert again.status_code == 200 and "redan bekräftat" in again.text


def test_broken_confirmation_link_is_404(client):
    response = client.get("/bekrafta/inte-en-riktig-länk")
    assert response.status_code == 404
    assert "Länken fungerar inte" in response.text


def test_resend_confirmation_answers_the_same_for_any_address(post_form, outbox):
    sign_up(post_form, "sara@varberg.se")
    known = post_form("/bekrafta", {"email": "sara@varberg.se"})
    unknown = post_form("/bekrafta", {"email": "ingen@varberg.se"})
    assert known.status_code == unknown.status_code == 200
    assert "Vi har skickat ett mejl" in known.text and "Vi har skickat ett mejl" in unknown.text
    assert len(outbox("confirm_email", to="sara@varberg.se")) == 2
    assert outbox(to="ingen@varberg.se") == []


def test_password_rules_on_sign_up(post_form):
    short = sign_up(post_form, "a@laholm.se", password="kort")
    assert short.status_code == 400 and "minst 12 tecken" in short.text
    common = sign_up(post_form, "a@laholm.se", password="Sommar2024!!!")
    assert common.status_code == 400 and "för vanligt" in common.text
    own = sign_up(post_form, "karin.lundqvist@laholm.se", password="karin.lundqvist@laholm.se")
    assert own.status_code == 400 and "din e-postadress eller ditt namn" in own.text
    assert user_by_email("a@laholm.se") is None


def test_signed_in_people_are_sent_away_from_sign_up(client, create_user, login):
    login(create_user())
    assert client.get("/registrera").status_code == 302


def test_login_keeps_working_for_confirmed_user(create_user, post_form):
    user = create_user()
    assert post_form("/logga-in", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_signing_up_again_before_confirming_resends_the_link(post_form, outbox):
    sign_up(post_form, "glomsk@laholm.se")
    sign_up(post_form, "glomsk@laholm.se")
    assert len(outbox("confirm_email", to="glomsk@laholm.se")) == 2
    assert outbox("account_exists") == []
