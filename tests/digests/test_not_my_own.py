"""#21: "Du kan kanske svara" in the digest never lists the member's own questions, even when
they are unanswered and in the member's own expertise."""

from __future__ import annotations

from datetime import timedelta

from hub.digests.run import run_digests
from hub.extensions import db
from tests.digests.conftest import MONDAY
from tests.digests.test_digests import digests_for


def test_my_own_unanswered_question_is_not_for_me_to_answer(forum, create_user):
    member, colleague = create_user(name="Mia Medlem"), create_user()
    category, skill = forum.category("Larm"), forum.tag("trygghetslarm")
    forum.expertise(member, skill)
    forum.question("Min egen larmfråga", category=category, author=member, tags=[skill])
    forum.question("Kollegans larmfråga", category=category, author=colleague, tags=[skill])
    db.session.commit()
    run_digests(MONDAY + timedelta(minutes=5))
    [mail] = digests_for(member)
    answerable = mail.body_text.split("Du kan kanske svara")[1]
    assert "Kollegans larmfråga" in answerable
    assert "Min egen larmfråga" not in mail.body_text
