"""The four pages people see most (start, a question, a meeting, a network) as the demo ambassador
sees them, at phone and desktop width. With ``SCREENS_DIR=docs/screens/after`` the pictures go
where the README links them; otherwise to the e2e screenshot folder, so the suite stays quiet."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import func, select

from hub.extensions import db
from hub.forum.models import Answer, Question
from hub.meetings.models import Meeting, Network
from tests.e2e.checks import SCREENSHOT_DIR, WIDTHS

REPO = Path(__file__).resolve().parents[2]


def screens_dir() -> Path:
    chosen = os.environ.get("SCREENS_DIR")
    return (REPO / chosen) if chosen else SCREENSHOT_DIR / "screens"


def demo_paths(live_app: Flask) -> dict[str, str]:
    """The busiest question and the Halland network's latest meeting, looked up, not guessed."""
    with live_app.app_context():
        question_id = db.session.scalar(
            select(Question.id)
            .join(Answer, Answer.question_id == Question.id)
            .group_by(Question.id)
            .order_by(func.count(Answer.id).desc(), Question.id)
            .limit(1)
        )
        meeting_id = db.session.scalar(
            select(Meeting.id)
            .join(Network, Network.id == Meeting.network_id)
            .where(Network.slug == "halland")
            .order_by(Meeting.starts_at.desc())
            .limit(1)
        )
    return {
        "start": "/",
        "question": f"/fragor/{question_id}",
        "meeting": f"/traffar/{meeting_id}",
        "network": "/natverk/halland",
    }


def test_screens_of_the_main_pages(page: Page, sign_in, live_app: Flask) -> None:
    folder = screens_dir()
    folder.mkdir(parents=True, exist_ok=True)
    sign_in()
    for name, path in demo_paths(live_app).items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            response = page.goto(path)
            assert response is not None and response.ok, f"{path}: {response and response.status}"
            page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
            assert (folder / f"{name}-{width}.png").stat().st_size > 0
