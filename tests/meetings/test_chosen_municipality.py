"""Finding 1 of the outside security test, through HTTP only: a member who picks another
municipality on the profile form does not get that municipality's rights (before the fix,
picking the baton holder let anyone cancel its meeting and pass the baton). Few imports, so it
also runs (and fails) on the code from before the fix."""

from __future__ import annotations

from hub.auth.models import Role
from hub.extensions import db
from tests.conftest import csrf_token
from tests.directory.test_profile import URL, form_data


def test_picking_the_baton_holder_gives_none_of_its_rights(
    client, create_user, create_network, create_meeting, login
):
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="1380")
    network = create_network(codes=("1381", "1383", "1380"), coordinators=[coordinator])
    network.baton_holder_code = "1383"  # Varberg
    db.session.commit()
    meeting = create_meeting(network, host_code="1383", title="Varbergs träff")
    member = create_user(municipality_code="1381")  # Laholm
    login(member)
    assert client.post(URL, data=form_data(client, municipality="1383")).status_code == 302

    token = csrf_token(client.get(f"/traffar/{meeting.id}").text)
    cancelled = client.post(f"/traffar/{meeting.id}/stall-in", data={"csrf_token": token})
    passed = client.post(
        f"/natverk/{network.slug}/stafett/lamna-over",
        data={"csrf_token": token, "reason": "Vi tar över"},
    )
    edited = client.get(f"/traffar/{meeting.id}/andra")
    assert (cancelled.status_code, passed.status_code, edited.status_code) == (403, 403, 403)
    db.session.expire_all()
    assert meeting.status == "scheduled" and network.baton_holder_code == "1383"
