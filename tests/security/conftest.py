"""A small world with one person of every kind, and clients signed in as each of them."""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from hub.auth.models import Role, User
from hub.core.db import utcnow
from hub.directory import membership
from hub.directory.models import Unit
from hub.extensions import db, login_manager
from hub.forum.models import Answer, Category, Comment, Question
from hub.mail.models import OutboxMessage
from hub.meetings.models import DatePoll, DatePollOption, Meeting
from hub.notifications.models import Notification
from tests.conftest import rolled_back
from tests.factories import make_network, make_user

PERSONAS = (
    "anonymous",
    "member",  # municipality in the network, not holding the baton; asked the question
    "pending",  # was in Laholm (hosted the held meeting); asked to move to the holder, waits
    "outsider",  # member of a municipality outside the network
    "holder",  # member of the municipality holding the baton; wrote the answer
    "other_coordinator",  # coordinator of another network
    "coordinator",  # coordinator of this network
    "admin",
)

NETWORK_CODES = ("1381", "1383", "1380")  # Laholm, Varberg, Halmstad
HOLDER_CODE = "1383"
CANARY_TITLE = "Kanariefågeln: den här frågan ändras aldrig av testerna"


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)

    def format(self, template: str) -> str:
        return template.format(**self.ids)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world()


@pytest.fixture(scope="module")
def matrix_world(session_app: Flask) -> Iterator[tuple[Flask, World]]:
    """The world built once for a module of many cases (the authorization matrix), in a
    transaction rolled back after the module; each case rolls its own requests back."""
    with rolled_back(session_app):
        yield session_app, build_world()


def build_world() -> World:
    create_user, create_network = make_user, make_network
    world = World()
    users = world.users
    users["member"] = create_user(name="Maja Medlem", municipality_code="1381")
    users["pending"] = create_user(name="Pia Väntar", municipality_code="1381")
    users["outsider"] = create_user(name="Otto Utanför", municipality_code="0180")
    users["holder"] = create_user(name="Hanna Hållare", municipality_code=HOLDER_CODE)
    users["other_coordinator"] = create_user(
        name="Olle Samordnare", role=Role.COORDINATOR, municipality_code="0180"
    )
    users["coordinator"] = create_user(
        name="Cecilia Samordnare", role=Role.COORDINATOR, municipality_code="1380"
    )
    users["admin"] = create_user(name="Ada Admin", role=Role.ADMIN, municipality_code=None)
    network = create_network(codes=NETWORK_CODES, coordinators=[users["coordinator"]])
    network.baton_holder_code = HOLDER_CODE
    other_network = create_network(
        codes=("0180", "0181"), coordinators=[users["other_coordinator"]]
    )
    other_network.baton_holder_code = "0180"

    category = Category(slug="vardag", name="Vardag")
    db.session.add(category)
    db.session.flush()
    question = Question(
        author_id=users["member"].id,
        category_id=category.id,
        title="Hur laddar ni läsplattorna?",
        body_source="Hur gör ni?",
        body_html="<p>Hur gör ni?</p>",
    )
    canary = Question(
        author_id=users["outsider"].id,
        category_id=category.id,
        title=CANARY_TITLE,
        body_source="Orörd.",
        body_html="<p>Orörd.</p>",
    )
    db.session.add_all([question, canary])
    db.session.flush()
    answer = Answer(
        question_id=question.id,
        author_id=users["holder"].id,
        body_source="I laddskåpet.",
        body_html="<p>I laddskåpet.</p>",
    )
    db.session.add(answer)
    db.session.flush()
    comment = Comment(question_id=question.id, author_id=users["member"].id, body="Tack!")
    start = utcnow() + timedelta(days=14)
    meeting = Meeting(
        network_id=network.id,
        host_code=HOLDER_CODE,
        title="Nätverksträff i Varberg",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        uid=f"matrix-{network.id}@stafetten.test",
        created_by_id=users["holder"].id,
    )
    past = utcnow() - timedelta(days=30)
    held = Meeting(
        network_id=network.id,
        host_code="1381",
        title="Förra träffen i Laholm",
        starts_at=past,
        ends_at=past + timedelta(hours=2),
        status="held",
        uid=f"matrix-held-{network.id}@stafetten.test",
        created_by_id=users["member"].id,
    )
    # An open date poll beside the booked meeting (made directly: the rule would refuse it).
    poll = DatePoll(
        network_id=network.id, title="Höstträffen", status="open", open_slot=1,
        created_by_id=users["holder"].id,
        options=[DatePollOption(starts_at=start + timedelta(days=60 + d),
                                ends_at=start + timedelta(days=60 + d, hours=2)) for d in (0, 1)],
    )  # fmt: skip
    db.session.add_all([comment, meeting, held, poll])
    membership.request_change(users["pending"], "1381", HOLDER_CODE, None)
    db.session.commit()

    world.ids.update(add_part_objects(world, network, question, meeting))
    unit = db.session.scalars(select(Unit).where(Unit.municipality_code == "0180")).first()
    world.ids.update(
        {f"{name}_id": user.id for name, user in users.items()},
        network=network.slug,
        network_id=network.id,
        other_network=other_network.slug,
        category_id=category.id,
        question_id=question.id,
        answer_id=answer.id,
        comment_id=comment.id,
        meeting_id=meeting.id,
        held_meeting_id=held.id,
        poll_id=poll.id,
        unit_id=unit.id if unit else 0,
        change_id=membership.pending_change(users["pending"].id).id,
        code="1381",
    )
    return world


def optional_model(path: str):
    """A model of a part that may not be merged yet (then None)."""
    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def add_part_objects(world: World, network, question, meeting) -> dict[str, object]:
    """Rows that some routes need: a notification, a failed mail, a flag, a topic suggestion,
    tokens for the calendar feed and an invitation."""
    users = world.users
    ids: dict[str, object] = {
        "calendar_token": "okand-kalenderlank",
        "invite_token": "okand-inbjudan",
        "invitation_id": 0,
        "flag_id": 0,
        "suggestion_id": 0,
        "material_id": 0,
        "material_file_id": 0,
        "tenant_id": 0,
        "identity_id": 0,
    }
    notice = Notification(user_id=users["member"].id, kind="test", text="Hej", url="/fragor")
    mail = OutboxMessage(
        kind="test",
        to_address="a@laholm.se",
        subject="Test",
        body_text="x",
        body_html="<p>x</p>",
        status="failed",
    )
    db.session.add_all([notice, mail])
    if Flag := optional_model("hub.forum.models:Flag"):
        flag = Flag(
            target_type="question",
            target_id=question.id,
            question_id=question.id,
            reporter_id=users["holder"].id,
            reason="Stämmer inte",
        )
        db.session.add(flag)
        db.session.flush()
        ids["flag_id"] = flag.id
    if TopicSuggestion := optional_model("hub.meetings.models:TopicSuggestion"):
        suggestion = TopicSuggestion(
            meeting_id=meeting.id, user_id=users["member"].id, text="Läsplattor"
        )
        db.session.add(suggestion)
        db.session.flush()
        ids["suggestion_id"] = suggestion.id
    if CalendarToken := optional_model("hub.meetings.models:CalendarToken"):
        db.session.add(CalendarToken(user_id=users["member"].id, token="kalender-" + "a" * 40))
        ids["calendar_token"] = "kalender-" + "a" * 40
    if optional_model("hub.material.models:MaterialItem"):
        ids.update(add_material(users["member"].id))
    Invitation = optional_model("hub.auth.models:Invitation")
    hash_token = optional_model("hub.auth.tokens:hash_token")
    if Invitation and hash_token:
        invitation = Invitation(
            email="ny@laholm.se",
            token_hash=hash_token("inbjudan-till-matrisen"),
            invited_by_id=users["coordinator"].id,
            municipality_code="1381",
            expires_at=utcnow() + timedelta(days=7),
        )
        db.session.add(invitation)
        db.session.flush()
        ids.update(invitation_id=invitation.id, invite_token="inbjudan-till-matrisen")
    if SignInTenant := optional_model("hub.auth.models:SignInTenant"):
        tenant = SignInTenant(kind="issuer", key="https://idp.laholm.se", municipality_code="1381")
        db.session.add(tenant)
        db.session.flush()
        ids["tenant_id"] = tenant.id
    if ExternalIdentity := optional_model("hub.auth.models:ExternalIdentity"):
        identity = ExternalIdentity(
            user_id=users["member"].id,
            protocol="oidc",
            issuer="https://idp.laholm.se",
            subject="matrisen",
            label="member@laholm.se",
        )
        db.session.add(identity)
        db.session.flush()
        ids["identity_id"] = identity.id
    if SuppressedAddress := optional_model("hub.mail.models:SuppressedAddress"):
        suppression = SuppressedAddress(email="studsar@laholm.se", reason="5.1.1")
        db.session.add(suppression)
        db.session.flush()
        ids["suppression_id"] = suppression.id
    db.session.flush()
    ids.update(notification_id=notice.id, outbox_id=mail.id)
    return ids


def add_material(author_id: int) -> dict[str, int]:
    """A how-to page by the member, with a file row whose bytes are not on disk (served as 404)."""
    from hub.material.models import MaterialFile, MaterialItem

    item = MaterialItem(
        kind="howto",
        title="Så laddar ni surfplattorna",
        summary="Steg för steg.",
        licence="cc-by",
        body_source="Ladda dem i skåpet varje natt.",
        body_html="<p>Ladda dem i skåpet varje natt.</p>",
        author_id=author_id,
    )
    db.session.add(item)
    db.session.flush()
    row = MaterialFile(
        item_id=item.id,
        role="main",
        storage_key="00/saknas.pdf",
        filename="guide.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    db.session.add(row)
    db.session.flush()
    return {"material_id": item.id, "material_file_id": row.id}


def sign_in(app: Flask, client, user_id: str | None) -> str:
    """Put the user with Flask-Login id ``user_id`` (or nobody) in the client's session without
    the login form, and return a valid CSRF token for that session: fast enough for hundreds of
    (route, persona) cases."""
    raw = hashlib.sha1(os.urandom(32)).hexdigest()  # noqa: S324  (a random value, as Flask-WTF)
    with app.test_request_context():
        identifier = login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        session["csrf_token"] = raw
        if user_id is not None:
            session["_user_id"] = user_id
            session["_fresh"] = True
            session["_id"] = identifier
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
