"""The baton rules in rotation.py, on their own."""

from __future__ import annotations

import pytest

from hub.auth.models import Role, User
from hub.extensions import db
from hub.meetings import rotation
from hub.meetings.models import NetworkMunicipality, network_coordinator


def member(network, code) -> NetworkMunicipality:
    return db.session.scalars(
        db.select(NetworkMunicipality).where(
            NetworkMunicipality.network_id == network.id,
            NetworkMunicipality.municipality_code == code,
        )
    ).one()


HALLAND = ("1383", "1315", "1384", "1381", "1380", "1382")


@pytest.fixture
def halland(create_network, create_user):
    """Halland with one confirmed member in each municipality; Varberg holds the baton."""
    network = create_network(codes=HALLAND)
    for code in HALLAND:
        create_user(municipality_code=code)
    rotation.ensure_holder(network)
    db.session.commit()
    return network


def test_first_active_municipality_gets_the_baton(halland):
    assert halland.baton_holder_code == "1383"
    [start] = rotation.history(halland.id)
    assert start.reason_kind == "start" and start.from_code is None and start.to_code == "1383"


def test_baton_follows_the_rotation_order_and_wraps_around(halland):
    seen = []
    for _ in range(7):
        rotation.pass_baton(halland, reason_kind="passed_on", reason="test")
        seen.append(halland.baton_holder_code)
    assert seen == ["1315", "1384", "1381", "1380", "1382", "1383", "1315"]


def test_inactive_municipalities_are_skipped(halland):
    member(halland, "1315").active = False
    member(halland, "1384").active = False
    db.session.flush()
    assert rotation.next_holder_code(halland) == "1381"
    rotation.pass_baton(halland, reason_kind="passed_on")
    assert halland.baton_holder_code == "1381"


def test_holder_that_left_hands_on_to_the_one_after_it(halland):
    rotation.pass_baton(halland, reason_kind="passed_on")  # Hylte holds it
    member(halland, "1315").active = False
    db.session.flush()
    assert rotation.ensure_holder(halland) == "1384"
    assert rotation.history(halland.id)[-1].reason_kind == "left_network"


def test_no_active_members_means_no_holder(create_network):
    network = create_network(codes=("1383",))
    member(network, "1383").active = False
    db.session.flush()
    assert rotation.ensure_holder(network) is None
    with pytest.raises(rotation.BatonError):
        rotation.pass_baton(network, reason_kind="passed_on")


def test_coordinator_may_give_the_baton_to_any_active_member(halland, create_user):
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="0180")
    rotation.give_baton(halland, "1380", by=coordinator, reason="Halmstad har en lokal")
    assert halland.baton_holder_code == "1380"
    last = rotation.history(halland.id)[-1]
    assert (last.from_code, last.to_code, last.reason_kind) == ("1383", "1380", "coordinator")
    assert last.by_user_id == coordinator.id and last.reason == "Halmstad har en lokal"
    member(halland, "1382").active = False
    db.session.flush()
    with pytest.raises(rotation.BatonError):
        rotation.give_baton(halland, "1382", by=coordinator)
    with pytest.raises(rotation.BatonError):
        rotation.give_baton(halland, "0180", by=coordinator)  # not a member at all


def test_history_keeps_every_change_in_order(halland, create_meeting):
    meeting = create_meeting(halland, host_code="1383", status="held")
    rotation.pass_after_meeting(halland, meeting)
    rotation.pass_baton(halland, reason_kind="passed_on", reason="Personalbrist i vår")
    kinds = [(p.from_code, p.to_code, p.reason_kind) for p in rotation.history(halland.id)]
    assert kinds == [
        (None, "1383", "start"),
        ("1383", "1315", "meeting_held"),
        ("1315", "1384", "passed_on"),
    ]
    assert rotation.history(halland.id)[1].meeting_id == meeting.id


def test_unknown_reason_kind_is_refused(halland):
    with pytest.raises(rotation.BatonError):
        rotation.pass_baton(halland, reason_kind="whim")


def test_who_may_schedule(halland, create_user):
    varberg = create_user(municipality_code="1383")
    laholm = create_user(municipality_code="1381")
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="0180")
    other_coordinator = create_user(role=Role.COORDINATOR, municipality_code="0180")
    admin = create_user(role=Role.ADMIN, municipality_code="0180")
    db.session.execute(
        network_coordinator.insert().values(network_id=halland.id, user_id=coordinator.id)
    )
    assert rotation.can_schedule(varberg, halland)
    assert not rotation.can_schedule(laholm, halland)
    assert rotation.can_schedule(coordinator, halland)
    assert not rotation.can_schedule(other_coordinator, halland)
    assert rotation.can_schedule(admin, halland)
    assert not rotation.can_schedule(None, halland)
    rotation.pass_baton(halland, reason_kind="passed_on", to_code="1381")
    assert rotation.can_schedule(laholm, halland) and not rotation.can_schedule(varberg, halland)
    laholm.active = False
    assert not rotation.can_schedule(laholm, halland)


def test_meeting_held_passes_the_baton_on(halland, create_meeting, create_user):
    from datetime import timedelta

    from hub.core.db import utcnow
    from hub.meetings import scheduling

    host = create_user(municipality_code="1383")
    meeting = create_meeting(halland, starts_at=utcnow() - timedelta(hours=3))
    scheduling.mark_held(meeting, by=host)
    assert meeting.status == "held" and meeting.open_slot is None
    assert halland.baton_holder_code == "1315"
    with pytest.raises(scheduling.MeetingStateError):
        scheduling.mark_held(meeting, by=host)


def baton_mails(code: str | None = None) -> list:
    from hub.mail.models import OutboxMessage

    mails = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind == "baton").order_by(OutboxMessage.id)
    ).all()
    return mails


def test_every_change_tells_each_member_of_the_new_holder_once(halland, create_user):
    second_hylte = create_user(municipality_code="1315")
    create_user(municipality_code="1315", confirmed=False)  # not confirmed: no mail
    before = len(baton_mails())
    rotation.pass_baton(halland, reason_kind="passed_on")
    mails = baton_mails()[before:]
    hylte = db.session.scalars(
        db.select(User.email).where(
            User.municipality_code == "1315", User.email_confirmed_at.is_not(None)
        )
    ).all()
    assert sorted(m.to_address for m in mails) == sorted(hylte)
    assert second_hylte.email in hylte and len(hylte) == 2
    assert all("stafettpinnen" in m.subject for m in mails)


def test_the_rotation_skips_municipalities_without_members(halland):
    for user in db.session.scalars(
        db.select(User).where(User.municipality_code.in_(("1315", "1384")))
    ):
        user.active = False
    db.session.flush()
    assert rotation.next_holder_code(halland) == "1381"
    rotation.pass_baton(halland, reason_kind="passed_on")
    assert halland.baton_holder_code == "1381"


def test_with_nobody_else_to_carry_it_the_baton_stays(halland, create_meeting):
    for user in db.session.scalars(db.select(User).where(User.municipality_code != "1383")):
        user.email_confirmed_at = None
    db.session.flush()
    assert rotation.next_holder_code(halland) is None
    with pytest.raises(rotation.BatonError):
        rotation.pass_baton(halland, reason_kind="passed_on")
    meeting = create_meeting(halland, host_code="1383", status="held")
    assert rotation.pass_after_meeting(halland, meeting) is None
    assert rotation.pass_after_silence(halland) is None
    assert halland.baton_holder_code == "1383"


def test_silence_and_automatic_holding_are_reasons_of_their_own(halland, create_meeting):
    meeting = create_meeting(halland, host_code="1383", status="held")
    auto = rotation.pass_after_meeting(halland, meeting, automatic=True)
    silence = rotation.pass_after_silence(halland)
    assert (auto.reason_kind, auto.to_code, auto.meeting_id) == ("auto_held", "1315", meeting.id)
    assert (silence.reason_kind, silence.from_code, silence.to_code) == ("silence", "1315", "1384")


def test_a_holder_leaving_hands_the_baton_to_the_one_after_it(halland, create_user):
    admin = create_user(role=Role.ADMIN, municipality_code="0180")
    rotation.municipality_leaving(halland, "1315", by=admin)  # not the holder: nothing happens
    assert halland.baton_holder_code == "1383"
    rotation.municipality_leaving(halland, "1383", by=admin)
    last = rotation.history(halland.id)[-1]
    assert (last.from_code, last.to_code, last.reason_kind, last.by_user_id) == (
        "1383", "1315", "left_network", admin.id,
    )  # fmt: skip


def test_the_last_municipality_leaving_leaves_no_holder(create_network, create_user):
    network = create_network(codes=("1383", "1315"))
    rotation.ensure_holder(network)  # nobody has members: the first one holds it anyway
    assert network.baton_holder_code == "1383"
    rotation.municipality_leaving(network, "1383")
    assert network.baton_holder_code == "1315"  # an empty one, rather than none
    member(network, "1383").active = False
    db.session.flush()
    rotation.municipality_leaving(network, "1315")
    assert network.baton_holder_code is None


def test_past_passes_are_history_without_mail(create_network, create_user):
    from datetime import UTC, datetime

    network = create_network(codes=("1383",))
    create_user(municipality_code="1383")
    at = datetime(2024, 3, 1, 9, tzinfo=UTC)
    past = rotation.record_past_pass(network, "1383", reason_kind="start", at=at)
    assert past.passed_at == at and network.baton_holder_code == "1383"
    assert baton_mails() == []
    with pytest.raises(rotation.BatonError):
        rotation.record_past_pass(network, "1383", reason_kind="whim", at=at)


def test_only_rotation_writes_the_baton():
    """No module but rotation.py assigns a network's holder or makes a history row."""
    import ast
    from pathlib import Path

    import hub

    offenders = []
    for path in Path(hub.__file__).parent.rglob("*.py"):
        if path.name == "rotation.py" and path.parent.name == "meetings":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "baton_holder_code" for t in targets):
                offenders.append(f"{path}:{node.lineno} assigns the holder")
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "BatonPass":
                    offenders.append(f"{path}:{node.lineno} makes a BatonPass")
                if any(k.arg == "baton_holder_code" for k in node.keywords):
                    offenders.append(f"{path}:{node.lineno} sets baton_holder_code")
                if name in ("insert", "update") and any(
                    getattr(a, "id", None) in ("BatonPass", "Network") for a in node.args
                ):
                    offenders.append(f"{path}:{node.lineno} writes the baton tables in bulk")
    assert offenders == []
