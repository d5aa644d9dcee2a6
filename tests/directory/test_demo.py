from __future__ import annotations

import random

from sqlalchemy import func, select

from hub.auth.models import User
from hub.directory.models import Profile
from hub.extensions import db


def test_demo_fills_every_profile_once(app):
    from hub.auth import demo as auth_demo
    from hub.directory import demo

    rng = random.Random(1)
    list(auth_demo.seed(rng, "small"))
    lines = list(demo.seed(rng, "small"))
    assert "profiler" in lines[-1]
    people = db.session.scalar(select(func.count()).select_from(User))
    assert db.session.scalar(select(func.count()).select_from(Profile)) == people
    assert list(demo.seed(rng, "small")) == ["Profilerna finns redan."]
    ambassador = db.session.scalar(
        select(Profile).join(User).where(User.email == "ambassador@demo.stafetten.se")
    )
    assert ambassador.workplace == "Solgläntans äldreboende"
    assert not ambassador.hidden_from_directory
    html = db.session.scalars(select(Profile.presentation_html)).all()
    assert any("<strong>" in h for h in html)
