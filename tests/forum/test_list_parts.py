"""The question list's rows written in Python (hub/forum/list_parts.py) are
forum/_question_rows.html's to the byte, in both languages, and a row kept for one list is
shown again only while everything it shows is the same (issue 17)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pytest
from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from hub.core.layout import SEPARATOR
from hub.extensions import db
from hub.forum import list_parts, moderation
from hub.forum.categories import save_category
from hub.forum.questions import TagLink
from tests.conftest import csrf_token
from tests.factories import PASSWORD

WHEN = datetime(2025, 1, 13, 4, 54, 1, tzinfo=UTC)


def rows() -> list[dict]:
    """Every combination of what a row shows."""
    tags = [(), (TagLink("teams", "Teams"),), (TagLink("a-b", "A & <b>"), TagLink("wifi", "wifi"))]
    combos = itertools.product(
        ("", "/hub"),  # script root
        (False, True),  # pinned
        ("Digitala verktyg", "Okänd <kategori>"),
        (0, 1, 7),  # answers
        (False, True),  # solved
        ("Anna <Öst>", None),  # author
        range(3),  # tags
    )
    made = []
    for n, (root, pinned, category, count, solved, author, t) in enumerate(combos):
        title = "Hur & varför <b>?"
        row = list_parts.Row(root, 100 + n, title, pinned, category, count, solved, author,
                             WHEN, tags[t])  # fmt: skip
        made.append({"q": row})
    return made


@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_row_is_the_templates(app, language):
    many = rows()
    with app.test_request_context("/"), force_locale(language):
        separator = Markup(SEPARATOR)  # noqa: S704  (a private-use character)
        html = render_template(list_parts.ROWS, parts=many, separator=separator)
        expected = html.split(SEPARATOR)[:-1]
        written = list_parts.write_rows(many, {})
    assert len(written) == len(expected) == 2 * 2 * 2 * 3 * 2 * 2 * 3
    for made, wanted in zip(written, expected, strict=True):
        assert made == wanted


def row_html(page: str, question_id: int) -> str | None:
    start = f'<li>\n    <h2 class="question-title"><a href="/fragor/{question_id}/'
    found = re.search(re.escape(start) + ".*?</li>", page, re.S)
    return found and found.group(0)


def test_each_change_is_seen_by_the_next_reader(app, client, login, create_user, create_question,
                                                create_answer):  # fmt: skip
    """A row kept for one reader is shown to the next only while all it shows is the same."""
    asker, coordinator = create_user(name="Frida Frågare"), create_user(role="coordinator")
    question = create_question(asker, title="Laddar ni surfplattorna?")
    login(create_user())
    first = row_html(client.get("/fragor").text, question.id)
    assert "Frida Frågare" in first and len(app.extensions[list_parts.LIST_PARTS]) >= 1
    assert row_html(client.get("/fragor").text, question.id) == first  # from the kept part

    def answer():
        return create_answer(question, create_user())

    changes = [
        (lambda: setattr(question, "title", "Laddar ni plattorna?"), "plattorna?</a>"),
        (answer, "1 svar"),
        (lambda: setattr(question, "accepted_answer_id", answer().id), "Har en lösning"),
        (lambda: setattr(asker, "name", "Frida Nyman"), "Frida Nyman,"),
        (lambda: moderation.do_question_action(question, coordinator, "pin", ""), 'class="pin"'),
    ]
    for change, seen in changes:
        change()
        db.session.commit()
        assert seen in row_html(client.get("/fragor").text, question.id), seen
    moderation.do_question_action(question, coordinator, "hide", "")
    db.session.commit()
    assert row_html(client.get("/fragor").text, question.id) is None


def test_the_rows_are_written_between_the_lists_tags_as_they_were(client, login, create_user,
                                                                    create_question):  # fmt: skip
    """The rows come to the page as one text (hub/forum/views.py), no longer looped over in the
    template: the list between its tags is byte for byte what the loop wrote."""
    asker = create_user(name="Frida Frågare")
    made = [create_question(asker, title=f"Fråga {n}") for n in range(3)]
    login(create_user())
    page = client.get("/fragor").text
    rows = [row_html(page, question.id) for question in reversed(made)]
    between = "\n  ".join(rows)
    assert f'<ul class="list-plain question-list">\n  {between}\n</ul>' in page


def browser_of(app, user):
    """A browser of its own, signed in as the user through the login form."""
    browser = app.test_client()
    page = browser.get("/logga-in").text
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page)}
    assert browser.post("/logga-in", data=data).status_code == 302
    return browser


def test_the_heads_follow_buttons_are_the_readers_own_and_categories_current(
    app, create_user, category
):
    """The head kept for a category's list shows each reader their own CSRF token and the
    page's own address; a category the admin saves is in this worker's filter at once."""
    pages = {}
    for name, path in [("one", f"/fragor?kategori={category.slug}"),
                       ("two", f"/fragor?kategori={category.slug}&page=2")]:  # fmt: skip
        pages[name] = (path, browser_of(app, create_user()).get(path).text)
    for path, page in pages.values():
        # The follow form carries the reader's own token (the header's) and the page's address.
        own = f'name="csrf_token" value="{csrf_token(page)}">\n  <input type="hidden" name="next"'
        assert own in page
        assert f'name="next" value="{path.replace("&", "&amp;")}"' in page
    tokens = {csrf_token(page) for _path, page in pages.values()}
    assert len(tokens) == 2  # two readers, two tokens: the check above tells them apart
    save_category(None, "Ny kategori", "ny-kategori", position=9)
    db.session.commit()
    page = browser_of(app, create_user()).get(pages["one"][0]).text
    assert '<option value="ny-kategori">Ny kategori</option>' in page
