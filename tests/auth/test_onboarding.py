"""Newcomers are brought in by mail: a welcome with three first steps after confirmation, and
invitation reminders after 3 and 10 days, once each, also with two workers at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hub.auth.invitations import run_invitation_reminders
from hub.auth.models import Invitation, InvitationReminder, Role
from hub.extensions import db
from hub.mail.models import OutboxMessage
from tests.auth.conftest import link_in
from tests.auth.test_invitations import invitation_for, invite
from tests.auth.test_signup import GOOD_PASSWORD, sign_up
from tests.factories import make_meeting

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_confirming_the_address_sends_one_welcome_with_three_steps(client, post_form, outbox):
    sign_up(post_form, "karin.lund@kungsbacka.se")
    link = link_in(outbox("confirm_email")[0], "/bekrafta/")
    assert outbox("welcome") == []
    post_form(link, {})
    post_form(link, {})  # followed twice: still one welcome
    [welcome] = outbox("welcome")
    assert welcome.to_address == "karin.lund@kungsbacka.se"
    assert "List-Unsubscribe" in welcome.headers  # not an account message: it can be stopped
    text = welcome.body_text
    for step in ("1. Fyll i din profil", "2. Följ det du kan", "3. Se nätverkets nästa träff"):
        assert step in text
    for path in ("/installningar/profil", "/installningar/e-post", "/installningar/kalender"):
        assert f"http://stafetten.test{path}" in text and path in welcome.body_html
    assert "http://stafetten.test/valkommen" in text  # the same three steps on the site


def test_the_welcome_points_to_the_next_meeting(create_user, create_network, outbox):
    from hub.auth.accounts import do_confirm_email

    network = create_network(codes=("1381",))
    meeting = make_meeting(network, days=20, host_code="1381", title="Vårträff")
    user = create_user(confirmed=False, municipality_code="1381")
    assert do_confirm_email(user) is True
    db.session.commit()
    assert f"/traffar/{meeting.id}" in outbox("welcome")[0].body_text


def test_an_accepted_invitation_is_welcomed(
    app, create_user, create_network, login, post_form, outbox
):
    coordinator = create_user(role=Role.COORDINATOR)
    create_network(codes=("1380",), coordinators=[coordinator])  # may invite to Halmstad
    login(coordinator)
    invite(post_form, "ny@halmstad.se", municipality="1380")
    link = link_in(outbox("invitation")[0], "/inbjudan/")
    post_form(
        link,
        {"name": "Ny Person", "municipality": "1380", "password": GOOD_PASSWORD},
        the_client=app.test_client(),
    )
    assert [m.to_address for m in outbox("welcome")] == ["ny@halmstad.se"]


@pytest.fixture
def invited(create_user, login, post_form, outbox):
    """Two open invitations sent at T0, one accepted and one expired."""
    login(create_user(role=Role.COORDINATOR))
    invite(post_form, "ett@laholm.se\ntva@laholm.se\ntre@laholm.se\nfyra@laholm.se")
    for address in ("ett@laholm.se", "tva@laholm.se", "tre@laholm.se", "fyra@laholm.se"):
        invitation = invitation_for(address)
        invitation.created_at = T0
        invitation.expires_at = T0 + timedelta(days=14)
    invitation_for("tre@laholm.se").accepted_at = T0 + timedelta(days=1)
    invitation_for("fyra@laholm.se").expires_at = T0 + timedelta(days=2)
    db.session.commit()


def reminded(outbox) -> list[str]:
    return sorted(m.to_address for m in outbox("invitation_reminder"))


def test_reminders_after_3_and_10_days_once_each(client, invited, outbox):
    assert run_invitation_reminders(T0 + timedelta(days=2, hours=23)) == 0
    assert run_invitation_reminders(T0 + timedelta(days=3)) == 2
    assert run_invitation_reminders(T0 + timedelta(days=3, hours=5)) == 0
    assert run_invitation_reminders(T0 + timedelta(days=9)) == 0
    assert run_invitation_reminders(T0 + timedelta(days=10)) == 2
    assert run_invitation_reminders(T0 + timedelta(days=13)) == 0
    assert reminded(outbox) == ["ett@laholm.se"] * 2 + ["tva@laholm.se"] * 2
    assert run_invitation_reminders(T0 + timedelta(days=15)) == 0  # expired by then

    # The latest reminder's link works; the first invitation's link does not any more.
    first = link_in(outbox("invitation", to="ett@laholm.se")[0], "/inbjudan/")
    latest = link_in(outbox("invitation_reminder", to="ett@laholm.se")[-1], "/inbjudan/")
    invitation_for("ett@laholm.se").expires_at = datetime.now(UTC) + timedelta(days=1)
    db.session.commit()  # T0 lies in the past: let the link be valid today
    assert client.get(first).status_code == 404
    assert client.get(latest).status_code == 200


def test_a_worker_that_was_stopped_sends_only_the_latest_step(invited, outbox):
    assert run_invitation_reminders(T0 + timedelta(days=11)) == 2
    assert run_invitation_reminders(T0 + timedelta(days=12)) == 0
    assert reminded(outbox) == ["ett@laholm.se", "tva@laholm.se"]


def test_the_cli_takes_a_stockholm_time(app, invited, outbox):
    result = app.test_cli_runner().invoke(
        args=["hub", "invitation-reminders", "--at", "2026-03-05 10:00"]
    )
    assert result.exit_code == 0 and "Påminnelser om inbjudningar: 2." in result.output


def test_the_worker_runs_the_reminders(app):
    from hub.mail.worker import Worker

    assert "invitation-reminders" in [job.name for job in Worker().jobs]


@pytest.fixture
def file_app(tmp_path):
    """An app on its own database file, so that two workers really commit and really race."""
    from flask_migrate import upgrade

    from hub import create_app
    from hub.auth.models import User
    from tests.conftest import make_config

    app = create_app(make_config(f"sqlite:///{tmp_path / 'reminders.db'}"))
    with app.app_context():
        upgrade()
        inviter = User(email="c@laholm.se", name="Cecilia", role=Role.COORDINATOR)
        db.session.add(inviter)
        db.session.flush()
        db.session.add_all(
            Invitation(
                email=f"inbjuden{i}@laholm.se",
                token_hash=f"{i:064d}",
                invited_by_id=inviter.id,
                created_at=T0,
                expires_at=T0 + timedelta(days=14),
            )
            for i in range(5)
        )
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def race(app, now: datetime, workers: int = 2) -> list[BaseException]:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def one_worker() -> None:
        try:
            with app.app_context():
                barrier.wait()
                run_invitation_reminders(now)
                db.session.remove()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=one_worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_two_workers_at_once_send_each_reminder_once(file_app):
    assert race(file_app, T0 + timedelta(days=3)) == []
    assert race(file_app, T0 + timedelta(days=10)) == []
    with file_app.app_context():
        sent = db.session.scalars(
            select(OutboxMessage.to_address).where(OutboxMessage.kind == "invitation_reminder")
        ).all()
        assert sorted(sent) == sorted([f"inbjuden{i}@laholm.se" for i in range(5)] * 2)
        count = select(func.count()).select_from(InvitationReminder)
        assert db.session.scalar(count) == 10
        db.session.remove()


def test_a_welcome_without_a_municipality_has_no_meeting_link(create_user, outbox):
    from hub.auth.accounts import do_confirm_email

    user = create_user(confirmed=False, municipality_code=None)
    do_confirm_email(user)
    db.session.commit()
    text = outbox("welcome")[0].body_text
    assert "/natverk" in text and "/traffar/" not in text
