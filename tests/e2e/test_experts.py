"""Better suggestions (#21): on a question, "Vem kan svara?" shows people with a face, their
municipality and why them (answers that solved or helped, or their profile), each a link to the
person, and a one-tap "Be om svar" that asks at once and then shows "Tillfrågad". At a phone's
and a desktop's width, every tap target measured."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from hub.forum import questions
from hub.forum.models import Question
from tests.e2e.checks import check_page, check_tap_targets
from tests.e2e.conftest import DEMO_EMAIL


def a_question_with_experts(live_app: Flask, skip: int) -> tuple[int, str]:
    """A demo question by someone else, with someone not yet asked under "Vem kan svara?"."""
    with live_app.app_context():
        me = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
        found = []
        for question in db.session.scalars(
            select(Question)
            .where(Question.author_id != me.id, Question.deleted_at.is_(None))
            .order_by(Question.id)
        ):
            page = questions.read_question_page(me, question.id).question
            free = [e for e in questions.experts_for(page, me) if not e.asked] if page else []
            if free:
                found.append((question.id, free[0].person.name))
            if len(found) > skip:
                return found[skip]
    pytest.fail("the demo has no question with experts")


@pytest.mark.parametrize("width", [390, 1280])
def test_ask_an_expert_with_one_tap(page: Page, sign_in, live_app: Flask, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    question_id, name = a_question_with_experts(live_app, skip=0 if width == 390 else 1)
    sign_in()
    page.goto(f"/fragor/{question_id}")
    aside = page.locator("aside", has=page.get_by_role("heading", name="Vem kan svara?"))
    expert = aside.locator("li.expert", has_text=name)
    expect(expert.get_by_role("link", name=name)).to_have_attribute(
        "href", re.compile(r"/katalog/\d+$")
    )
    checked = lambda label: (check_page(page, label), check_tap_targets(page, label))  # noqa: E731
    checked(f"who can answer {width}")
    expert.get_by_role("button", name=f"Be om svar från {name}").click()
    expect(page.get_by_text(f"Vi har bett {name} att svara.")).to_be_visible()
    expert = page.locator("aside li.expert", has_text=name)
    expect(expert.locator(".asked")).to_have_text("Tillfrågad")
    expect(expert.get_by_role("button")).to_have_count(0)
    checked(f"who can answer asked {width}")
