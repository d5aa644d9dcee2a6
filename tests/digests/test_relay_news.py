"""The relay in the digest: a hand-over after silence and an open date poll are news."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.digests.run import run_digests
from hub.extensions import db
from hub.mail.models import OutboxMessage
from hub.meetings import rotation
from hub.meetings.models import DatePoll
from tests.digests.conftest import BEFORE_THE_WEEK, IN_THE_WEEK, MONDAY

DUE = MONDAY + timedelta(minutes=5)


def digest_text(user) -> str:
    [mail] = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.user_id == user.id, OutboxMessage.kind == "digest"
        )
    ).all()
    return mail.body_text


def test_a_silent_hand_over_and_an_open_poll_reach_the_network(create_user, create_network):
    varberg = create_user(name="Vera", municipality_code="1383")
    create_user(municipality_code="1381")
    network = create_network(codes=("1383", "1381"))
    rotation.record_past_pass(network, "1383", reason_kind="start", at=BEFORE_THE_WEEK)
    rotation.pass_after_silence(network, at=IN_THE_WEEK)
    db.session.add(DatePoll(network_id=network.id, title="Vårträffen", open_slot=1))
    db.session.commit()
    assert run_digests(DUE).sent >= 1
    text = digest_text(varberg)
    assert "gick vidare av sig själv" in text
    assert "Svara på omröstningen: Vårträffen" in text and f"/natverk/{network.slug}/datum" in text


def test_an_old_hand_over_is_not_news_again(create_user, create_network):
    varberg = create_user(name="Vera", municipality_code="1383")
    create_user(municipality_code="1381")
    network = create_network(codes=("1383", "1381"))
    rotation.record_past_pass(network, "1383", reason_kind="start", at=BEFORE_THE_WEEK)
    rotation.record_past_pass(
        network, "1381", reason_kind="silence", at=BEFORE_THE_WEEK + timedelta(hours=1)
    )
    db.session.commit()
    run_digests(DUE)
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == varberg.id)
    ).all()
    assert all("gick vidare av sig själv" not in m.body_text for m in mails)
