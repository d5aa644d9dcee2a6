"""The header and footer, rendered once per language, page and role and shared (issue 17): each
reader still sees their own role's links, their own unread count and their own CSRF token, and a
shared part cannot take in a value of one request."""

from __future__ import annotations

import re

import pytest
from jinja2 import ChoiceLoader, DictLoader

from hub.core import layout
from hub.extensions import db
from hub.notifications.models import Notification
from tests.conftest import csrf_token


def header(page: str) -> str:
    return page.split("<header", 1)[1].split("</header>", 1)[0]


def notify(user, n: int) -> None:
    db.session.add_all(
        [Notification(user_id=user.id, kind="answer", text=f"n{i}", url="/") for i in range(n)]
    )
    db.session.commit()


def test_each_reader_sees_their_own_links_count_and_token(client, app, login, create_user):
    member, coordinator, admin = (create_user(role=r) for r in ("member", "coordinator", "admin"))
    notify(member, 3)
    notify(coordinator, 120)
    pages = {}
    for user in (member, coordinator, admin):
        login(user)
        pages[user.role] = client.get("/fragor").text
        client.post("/logga-ut", data={"csrf_token": csrf_token(pages[user.role])})

    assert "Moderering" not in pages["member"] and "Administration" not in pages["member"]
    assert "Moderering" in pages["coordinator"] and "Administration" not in pages["coordinator"]
    assert "Moderering" in pages["admin"] and "Administration" in pages["admin"]
    assert '<span class="badge">3<' in header(pages["member"])
    assert '<span class="badge">99+<' in header(pages["coordinator"])
    assert "badge" not in header(pages["admin"])
    tokens = [set(re.findall(r'name="csrf_token" value="([^"]+)"', p)) for p in pages.values()]
    assert all(len(t) == 1 for t in tokens) and len(set.union(*tokens)) == 3
    assert 'href="/fragor" aria-current="page"' in header(pages["member"])


def test_two_readers_of_one_kept_frame_each_see_only_their_own(app, client, login, create_user):
    """Two members of one role, in one language, on one page share the frame's kept part
    (``hub.site.layout.site_page``). Their requests taken in turn: each page holds its own
    reader's name, unread count and CSRF token, never the other's, and apart from those the
    two pages are the same."""
    anna, bo = create_user(name="Annabella Ögonsten"), create_user(name="Bonifatius Lund")
    notify(anna, 3)
    notify(bo, 7)
    login(anna)
    app.extensions.pop("hub_shared_parts", None)  # only this test's parts (put back after it)
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"], session["_fresh"] = bo.get_id(), False
    annas, bos = [], []
    for _ in range(2):
        annas.append(client.get("/").text)
        bos.append(other.get("/").text)

    kept = app.extensions["hub_shared_parts"]
    facts = [key.values[3] for key in kept if key.values[0] == "layout/page.html"]
    assert [dict(f)["signed_in"] for f in facts if ("current_endpoint", "site.start") in f] == [
        True
    ]  # one part served both
    anna_token, bo_token = csrf_token(annas[0]), csrf_token(bos[0])
    assert anna_token != bo_token
    for page in annas:
        assert csrf_token(page) == anna_token and bo_token not in page
        assert "Hej Annabella!" in page and "Bonifatius" not in page
        assert '<span class="badge">3<' in header(page)
    for page in bos:
        assert csrf_token(page) == bo_token and anna_token not in page
        assert "Hej Bonifatius!" in page and "Annabella" not in page
        assert '<span class="badge">7<' in header(page)

    def anyones(page: str, token: str, name: str, count: int) -> str:
        """The page with the reader's own values (and the request's nonce) taken out."""
        page = page.replace(token, "T").replace(name, "N").replace(f'"badge">{count}<', "B")
        return re.sub(r'nonce="[^"]+"', "nonce", page)

    assert anyones(annas[1], anna_token, "Annabella", 3) == anyones(
        bos[1], bo_token, "Bonifatius", 7
    )


def test_the_current_page_language_and_way_back_are_the_requests_own(client, login, create_user):
    login(create_user(role="admin"))
    page = client.get("/admin").text
    assert 'href="/admin" aria-current="page"' in header(page)
    assert 'href="/fragor" aria-current' not in header(page)
    assert 'name="next" value="/admin"' in page
    page = client.get("/fragor?sort=active&x=%3Cb%3E").text
    assert 'name="next" value="/fragor?sort=active&amp;x=%3Cb%3E"' in page

    client.post("/sprak", data={"locale": "en", "next": "/", "csrf_token": csrf_token(page)})
    page = client.get("/fragor").text
    assert ">Settings</a>" in header(page) and ">Questions</a>" in header(page)
    assert '<strong lang="en" aria-current="true">English</strong>' in page


def test_visitors_get_the_visitors_header(client):
    page = client.get("/personuppgifter").text
    assert 'href="/logga-in"' in header(page) and "Notiser" not in header(page)


@pytest.fixture
def parts(app):
    """Two templates of the test's own beside the app's."""
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "test/part.html": "{{ greeting }}, {{ name }}! {{ _('Sök') }}",
                    "test/leaky.html": "{{ csrf_token() }}",
                }
            ),
            loader,
        ]
    )
    yield
    app.jinja_env.loader = loader


def test_a_part_is_kept_per_facts_and_its_holes_are_escaped(app, parts, monkeypatch):
    with app.test_request_context("/"):
        first = layout.shared_part("test/part.html", {"greeting": "Hej"}, {"name": "<Ada>"})
        again = layout.shared_part("test/part.html", {"greeting": "Hej"}, {"name": "Bo"})
        other = layout.shared_part("test/part.html", {"greeting": "Hallå"}, {"name": "Bo"})
    assert (first, again, other) == ("Hej, &lt;Ada&gt;! Sök", "Hej, Bo! Sök", "Hallå, Bo! Sök")

    monkeypatch.setattr(layout, "MAX_PARTS", 1)  # full: emptied before the next is kept
    with app.test_request_context("/"):
        layout.shared_part("test/part.html", {"greeting": "Hi"}, {"name": "Bo"})
    assert len(app.extensions["hub_shared_parts"]) == 1


def test_a_part_cannot_take_in_a_value_of_one_request(app, parts):
    with app.test_request_context("/"), pytest.raises(layout.PerRequestValue):
        layout.shared_part("test/leaky.html", {}, {})


def test_flashed_messages_are_shown_escaped_in_the_frame(app):
    """The frame's flashes hole, as base.html wrote the messages (Markup kept as it is)."""
    from flask import flash, render_template
    from markupsafe import Markup

    with app.test_request_context("/personuppgifter"):
        flash("Tack & <hej>", "info")
        flash(Markup("<b>fet</b>"), "error")
        page = render_template("core/privacy.html")
    assert (
        '<main id="innehall" class="wrap" tabindex="-1">\n    <div class="flashes" role="status">\n'
        '<p class="flash flash-info">Tack &amp; &lt;hej&gt;</p>'
        '<p class="flash flash-error"><b>fet</b></p>    </div>\n<h1>'
    ) in page
