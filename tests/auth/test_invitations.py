"""Invitations from coordinators and admins, and signing up through one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hub.auth.models import Invitation, Role, User
from hub.extensions import db
from tests.auth.conftest import link_in


def invite(post_form, addresses, municipality=""):
    return post_form("/inbjudningar", {"addresses": addresses, "municipality": municipality})


def invitation_for(email):
    return db.session.scalar(select(Invitation).where(Invitation.email == email))


def test_only_coordinators_and_admins_invite(client, create_user, login):
    assert client.get("/inbjudningar").status_code == 302  # anonymous: to login
    login(create_user())
    assert client.get("/inbjudningar").status_code == 403


def test_pasted_list_sends_valid_and_reports_invalid(
    client, create_user, create_network, login, post_form, outbox
):
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="1383")
    create_network(coordinators=[coordinator])
    existing = create_user(email="finns@varberg.se")
    login(coordinator)
    response = invite(
        post_form,
        "anna@varberg.se, Bo@Varberg.se\ninte-en-adress\n" + existing.email + "\nanna@varberg.se",
        municipality="1383",
    )
    assert response.status_code == 400
    assert "inte-en-adress" in response.text and "går inte att använda" in response.text
    assert "redan ett konto" in response.text
    sent = sorted(m.to_address for m in outbox("invitation"))
    assert sent == ["anna@varberg.se", "bo@varberg.se"]
    assert invitation_for("anna@varberg.se").municipality_code == "1383"
    # Pending invitations are listed for the coordinator who sent them.
    page = client.get("/inbjudningar")
    assert "anna@varberg.se" in page.text and "bo@varberg.se" in page.text


def test_accepting_an_invitation_creates_a_signed_in_account(
    app, client, create_user, create_network, login, post_form, outbox
):
    coordinator = create_user(role=Role.COORDINATOR)
    create_network(coordinators=[coordinator])
    login(coordinator)
    assert invite(post_form, "ny.person@halmstad.se", municipality="1380").status_code == 302
    link = link_in(outbox("invitation")[0], "/inbjudan/")

    visitor = app.test_client()
    form = visitor.get(link)
    assert form.status_code == 200
    assert '<option selected value="1380">' in form.text or 'value="1380" selected' in form.text
    response = post_form(
        link,
        {"name": "Ny Person", "municipality": "1380", "password": "en lång mening om kaffe"},
        the_client=visitor,
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ny.person@halmstad.se"))
    assert user.email_confirmed_at is not None and user.municipality_code == "1380"
    assert visitor.get("/installningar").status_code == 200  # signed in

    used = app.test_client().get(link)
    assert used.status_code == 410 and "redan använts eller gått ut" in used.text


def test_expired_and_unknown_invitation_links(client, create_user, login, post_form, outbox):
    login(create_user(role=Role.ADMIN))
    invite(post_form, "sen@laholm.se")
    link = link_in(outbox("invitation")[0], "/inbjudan/")
    invitation = invitation_for("sen@laholm.se")
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get(link).status_code == 410
    assert client.get("/inbjudan/finns-inte").status_code == 404


def test_invitation_form_rejects_weak_password_and_keeps_name(
    app, create_user, login, post_form, outbox
):
    login(create_user(role=Role.ADMIN))
    invite(post_form, "svag@laholm.se")
    link = link_in(outbox("invitation")[0], "/inbjudan/")
    response = post_form(
        link,
        {"name": "Svag Person", "municipality": "", "password": "svag@laholm.se"},
        the_client=app.test_client(),
    )
    assert response.status_code == 400
    assert 'value="Svag Person"' in response.text
    assert invitation_for("svag@laholm.se").accepted_at is None


def test_resend_replaces_the_link_and_withdraw_removes_it(
    client, create_user, login, post_form, outbox
):
    login(create_user(role=Role.COORDINATOR))
    invite(post_form, "igen@laholm.se")
    old_link = link_in(outbox("invitation")[0], "/inbjudan/")
    invitation = invitation_for("igen@laholm.se")
    resent = post_form("/inbjudningar", {}, action=f"/inbjudningar/{invitation.id}/skicka-igen")
    assert resent.status_code == 302
    new_link = link_in(outbox("invitation")[1], "/inbjudan/")
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200

    removed = post_form("/inbjudningar", {}, action=f"/inbjudningar/{invitation.id}/ta-bort")
    assert removed.status_code == 302
    assert invitation_for("igen@laholm.se") is None
    assert client.get(new_link).status_code == 404


def test_coordinators_cannot_touch_each_others_invitations(
    app, client, create_user, login, post_form
):
    login(create_user(role=Role.COORDINATOR))
    invite(post_form, "min@laholm.se")
    invitation = invitation_for("min@laholm.se")
    other = app.test_client()
    other_coordinator = create_user(role=Role.COORDINATOR)
    post_form(
        "/logga-in",
        {"email": other_coordinator.email, "password": "ett-bra-lösenord-för-test"},
        the_client=other,
    )
    response = post_form(
        "/inbjudningar", {}, action=f"/inbjudningar/{invitation.id}/ta-bort", the_client=other
    )
    assert response.status_code == 404
    assert "min@laholm.se" not in other.get("/inbjudningar").text


def test_invitations_are_limited_per_inviter_per_day(client, create_user, login, post_form, outbox):
    login(create_user(role=Role.COORDINATOR))
    addresses = "\n".join(f"person{i}@laholm.se" for i in range(52))
    response = invite(post_form, addresses)
    assert response.status_code == 400
    assert "så många inbjudningar som går i dag" in response.text
    assert len(outbox("invitation")) == 50
    assert db.session.scalar(select(func.count(Invitation.id))) == 50


def test_invitation_list_uses_a_fixed_number_of_statements(
    client, create_user, login, post_form, count_queries
):
    login(create_user(role=Role.ADMIN))
    invite(post_form, "\n".join(f"lista{i}@laholm.se" for i in range(40)))
    with count_queries() as counter:
        page = client.get("/inbjudningar")
    assert page.status_code == 200 and "lista39@laholm.se" in page.text
    assert counter.count <= 8, counter.statements


def test_a_coordinator_invites_only_to_municipalities_of_their_networks(
    app, client, create_user, create_network, login, post_form, outbox
):
    """The invitation vouches for the municipality; the invited may not pick another one."""
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="1380")
    create_network(codes=("1380", "1381"), coordinators=[coordinator])
    login(coordinator)
    refused = invite(post_form, "ny@stockholm.se", municipality="0180")
    assert refused.status_code == 400 and "nätverk du samordnar" in refused.text
    assert invitation_for("ny@stockholm.se") is None
    assert invite(post_form, "ny@laholm.se", municipality="1381").status_code == 302
    link = link_in(outbox("invitation")[0], "/inbjudan/")
    visitor = app.test_client()
    visitor.get(link)
    response = post_form(
        link,
        {"name": "Ny Person", "municipality": "0180", "password": "en lång mening om kaffe"},
        the_client=visitor,
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ny@laholm.se"))
    # Stockholm waits for someone who may vouch for it; meanwhile no municipality at all.
    assert user.municipality_code is None
    from hub.directory.membership import pending_change

    assert pending_change(user.id).to_code == "0180"
