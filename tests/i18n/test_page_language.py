"""Every main page in one language (#21): no Swedish left on the English pages, no English or
database words on the Swedish ones. The quick version of the browser tests' language check
(tests/e2e/checks.py runs the same rules on every page a flow reaches), over the pages a member,
a coordinator and an admin see, through the test client."""

from __future__ import annotations

import pytest

from hub.auth.models import Role
from hub.extensions import db
from hub.forum.models import Category
from tests import language
from tests.forum.conftest import category, create_answer, create_question  # noqa: F401
from tests.i18n.test_translations import switch

MEMBER_PAGES = [
    "/",
    "/fragor",
    "/fragor?sort=unanswered",
    "/fragor/ny",
    "/katalog",
    "/traffar",
    "/natverk",
    "/material",
    "/notiser",
    "/sok?q=surfplatta",
    "/installningar",
    "/installningar/profil",
    "/installningar/e-post",
    "/installningar/mina-uppgifter",
    "/tillganglighet",
    "/personuppgifter",
]
ADMIN_PAGES = ["/admin", "/admin/konton", "/admin/kommuner", "/admin/natverk", "/admin/kategorier"]


@pytest.fixture
def hub_with_content(create_user, create_network, create_question, create_answer, create_meeting):  # noqa: F811
    """A member with a question, an answer and a meeting in her network; an admin."""
    member = create_user(name="Maja Lind")
    admin = create_user(name="Ali Admin", role=Role.ADMIN)
    network = create_network(slug="halland-test", coordinators=[member])
    network.baton_holder_code = "1381"
    db.session.commit()
    question = create_question(member, title="Hur laddar ni surfplattorna på natten?")
    create_answer(question, admin)
    meeting = create_meeting(network)
    db.session.get(Category, question.category_id).name = "Välfärdsteknik"
    db.session.commit()
    pages = [
        *MEMBER_PAGES,
        f"/fragor/{question.id}",
        f"/traffar/{meeting.id}",
        f"/natverk/{network.slug}",
        f"/natverk/{network.slug}/stafett",
        f"/natverk/{network.slug}/halsa",
        f"/katalog/{member.id}",
        "/kommun/1381",
    ]
    return member, admin, pages


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_every_main_page_is_in_one_language(client, login, hub_with_content, locale):
    member, admin, pages = hub_with_content
    found = {}
    for user, paths in ((member, pages), (admin, ADMIN_PAGES)):
        login(user)
        switch(client, locale)
        for path in paths:
            response = client.get(path)
            if response.status_code in (301, 302):  # a question's address gets its slug
                response = client.get(response.headers["Location"])
            assert response.status_code == 200, path
            assert f'<html lang="{locale}">' in response.text, path
            problems = language.html_problems(response.text)
            if problems:
                found[path] = problems
        client.post("/logga-ut", data={"csrf_token": _token(client)})
    assert not found, "\n".join(f"{path}: {problems}" for path, problems in found.items())


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client.get("/").text)


def test_the_check_finds_each_kind_of_mistake():
    english_page = """<html lang="en"><body><button>Spara</button><p>4 december kl. 18:00</p>
        <label>Name and stuff</label><div class="post-body"><p>Spara och visa</p></div>
        <span lang="sv">Svenska</span></body></html>"""
    problems = language.html_problems(english_page)
    assert any("'Spara'" in p for p in problems)
    assert any("Swedish date" in p for p in problems)
    assert not any("Spara och visa" in p or "Svenska" in p for p in problems)
    swedish_page = """<html lang="sv"><body><th>created_at</th><td>None</td>
        <button>Save the file</button><p>Saturday</p><pre>user_id</pre></body></html>"""
    problems = language.html_problems(swedish_page)
    assert any("created_at" in p for p in problems)
    assert any("'None'" in p for p in problems)
    assert any("English word" in p for p in problems)
    assert any("English date" in p for p in problems)
    assert not any("user_id" in p for p in problems)
