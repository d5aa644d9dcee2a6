"""Finding 5 of the outside security test: a member's export (and the admin's copy of it)
held working password-reset and e-mail-change links. Its own file with few imports, so that
it also runs (and fails) on the code from before the fix."""

from __future__ import annotations

import json

from hub.auth.models import Role
from hub.extensions import db


def test_exports_hold_no_working_account_links(client, login, create_user):
    """Finding 5: a member's export (and the admin's copy of it) must not be a key to the
    account: account mail is left out, and every tokenised link in other mail is removed."""

    from hub.auth import accounts

    member = create_user(email="exporten@laholm.se")
    admin = create_user(role=Role.ADMIN, municipality_code=None)
    accounts.request_password_reset(member.email)
    from hub.mail.models import OutboxMessage

    db.session.add(
        OutboxMessage(
            kind="digest",
            user_id=member.id,
            to_address=member.email,
            subject="Veckans nytt",
            body_text="Avregistrera: http://127.0.0.1:5000/avregistrera/eyJ1Ijo1fQ.Zabc.Xyz123abc456def",
            body_html='<a href="http://127.0.0.1:5000/kalender/AbCdEfGhIjKlMnOpQrStUvWxYz012.ics">x</a>',
            headers={
                "List-Unsubscribe": "<http://127.0.0.1:5000/avregistrera/eyJ1Ijo1fQ.Zabc.Xyz123abc456def>"
            },
        )
    )
    db.session.commit()
    reset = db.session.query(OutboxMessage).filter_by(kind="password_reset").one()
    assert "/aterstall/" in reset.body_text  # the live link is in the outbox itself

    login(member)
    mine = client.get("/installningar/mina-uppgifter.json").text
    login(admin)
    theirs = client.get(f"/admin/konton/{member.id}/uppgifter.json").text
    for text in (mine, theirs):
        for path in ("/aterstall/", "/avregistrera/ey", "/kalender/AbC"):
            assert path not in text
        data = json.loads(text)
        kinds = {row["kind"]: row for row in data["outbox_message"]}
        assert kinds["password_reset"]["body_text"].startswith("[Innehållet")
        assert "[länk borttagen]" in kinds["digest"]["body_text"]
