"""An answer's article written in Python (hub/forum/articles.py) is forum/_answers.html's to the
byte, for every kind of answer and reader, in both languages (issue 17)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from hub.core.layout import SEPARATOR
from hub.forum import articles, post_parts
from hub.forum.faces import Face, FacePlace, FaceProfile, Head, Moment
from hub.forum.page_answers import PageAnswer
from hub.forum.questions import TagLink

WHEN = datetime(2025, 1, 13, 4, 54, 1, tzinfo=UTC)
MOMENT = Moment("2025-01-13T04:54:01+00:00", "13 januari 2025 kl. 05:54", "för 2 år <sedan>")
CSRF = Markup("\ue000csrf\ue001")  # the hole's marker, as a kept part is made with


def heads():
    photo = Markup('<img class="avatar avatar-small" src="/katalog/7/foto?v=2" alt="">\n')
    initials = Markup('<span class="avatar avatar-small avatar-initials">AÖ</span>\n')
    return [
        Head(photo, "Anna <Öst>", "/katalog/7", "Laholms kommun", MOMENT, None),
        Head(initials, "Bo & Bea", None, "", MOMENT, "14 januari 2025 kl. 08:00"),
        Head(None, "Tidigare medlem", None, "", MOMENT, None),
    ]


def comments():
    shown = post_parts.ShownComment
    return [
        (),
        (
            shown(
                11,
                Markup('Bra, <a class="mention" href="/katalog/7">@Anna</a>'),
                "Kim <K>",
                MOMENT,
                True,
            ),
        ),
        (
            shown(12, Markup("Från en som gått"), None, MOMENT, False),
            shown(13, Markup("Tack &amp; hej"), "Lo", MOMENT, False),
        ),
    ]


def parts():
    """Every combination of what an article shows a member (not a moderator)."""
    author = Face(7, "Anna <Öst>", True, FaceProfile(2, False), FacePlace("1381", "Laholm"))
    made = []
    combos = itertools.product(
        (False, True),  # the solution
        (False, True),  # hidden
        (False, True),  # own
        (False, True),  # marked
        (0, 1, 3),  # helpful count
        (False, True),  # may accept
        (False, True),  # locked
        range(3),  # head
        range(3),  # comments
    )
    for n, (solution, hidden, own, marked, count, accept, locked, h, c) in enumerate(combos):
        face = None if h == 2 else author
        answer = PageAnswer(100 + n, face and face.id, "x", "", WHEN, None, hidden, count, face)
        made.append({
            "question": post_parts.PostQuestion(8, locked),
            "answer": answer,
            "head": heads()[h],
            "body": Markup("<p>Prata med IT &amp; be om hjälp.</p>\n"),
            "solution": solution,
            "own": own,
            "marked": marked,
            "can_accept": accept,
            "moderator": False,
            "comments": comments()[c],
            "flag_form": None,
            "comment_form": None,
            "comment_target": "",
        })  # fmt: skip
    return made


@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_article_is_the_templates(app, language):
    many = parts()
    with app.test_request_context("/"), force_locale(language):
        separator = Markup(SEPARATOR)  # noqa: S704  (a private-use character)
        html = render_template(post_parts.ANSWERS, parts=many, csrf=CSRF, separator=separator)
        expected = html.split(SEPARATOR)[:-1]
        written = articles.write_answers(many, {"csrf": CSRF})
    assert len(written) == len(expected) == 2 * 2 * 2 * 2 * 3 * 2 * 2 * 3 * 3
    for made, wanted in zip(written, expected, strict=True):
        assert made == wanted
    if language == "en":
        assert "More for the answer from Anna &lt;Öst&gt;" in written[0]


def experts():
    from hub.forum.questions import Expert

    people = [
        Face(7, "Anna <Öst>", True, FaceProfile(2, False), FacePlace("1381", "Laholm")),
        Face(8, "Bo & Bea", True, None, FacePlace("0180", "Stockholm")),
        Face(9, "Cia", True, FaceProfile(0, False), None),
    ]
    counts = [(0, 0), (1, 0), (0, 2), (3, 1)]
    return [
        Expert(person, solved, helped, region, asked)
        for person, (solved, helped), region, asked in itertools.product(
            people, counts, (False, True), (False, True)
        )
    ]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_who_can_answer_is_the_templates(app, language):
    lists = [(), tuple(experts()[:1]), tuple(experts())]
    with app.test_request_context("/"), force_locale(language):
        template = app.jinja_env.get_template(post_parts.EXPERTS)
        for shown in lists:
            facts = {"question_id": 8, "experts": shown}
            expected = template.render(facts, csrf=CSRF)
            assert articles.write_experts(facts, {"csrf": CSRF}) == expected


def questions():
    """Every combination of what the question's own article shows a reader with no form."""
    tag_sets = [(), (TagLink("teams", "Teams"),), (TagLink("a-b", "A & <b>"), TagLink("wifi", "w"))]
    made = []
    combos = itertools.product(
        (False, True),  # hidden
        (False, True),  # locked
        range(3),  # tags
        (False, True),  # following
        (False, True),  # own (may edit)
        (False, True),  # may delete
        range(3),  # head
        range(3),  # comments
    )
    for n, (hidden, locked, t, following, own, delete, h, c) in enumerate(combos):
        shown = post_parts.ShownQuestion(8 + n, "Hur & varför <b>?", "digitala-verktyg",
                                         "Digitala verktyg", hidden, locked, "<p>Hej &amp; hå</p>",
                                         WHEN, None, tag_sets[t])  # fmt: skip
        made.append({
            "question": shown,
            "head": heads()[h],
            "body": Markup("<p>Hej &amp; hå</p>"),
            "following": following,
            "own": own,
            "can_delete": delete,
            "comments": comments()[c],
        })  # fmt: skip
    return made


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_questions_article_is_the_templates(app, language):
    marks = {"csrf": CSRF, "path": Markup("\ue000path\ue001")}
    no_forms = {"flag_form": None, "comment_form": None, "comment_target": ""}
    with app.test_request_context("/"), force_locale(language):
        template = app.jinja_env.get_template(post_parts.QUESTION)
        for facts in questions():
            expected = template.render(facts, **no_forms, **marks, csrf_token=lambda: CSRF)
            assert articles.write_question(facts, marks) == expected
