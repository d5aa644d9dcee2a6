"""``seed-demo --scale xlarge``: ten times the large data set, shown without seeding a million
rows (issue 17). The seeders read their figures from ``hub.demo_sizes``; a small size of the same
shape shows they make exactly what a size asks for."""

from __future__ import annotations

import random
from dataclasses import replace

from sqlalchemy import func, select

from hub.auth import demo as auth_demo
from hub.auth.models import User
from hub.demo_sizes import SIZES
from hub.directory.reference import MUNICIPALITIES
from hub.extensions import db
from hub.forum import demo as forum_demo
from hub.forum.models import Answer, Comment, Question
from hub.meetings import demo as meetings_demo
from hub.meetings.models import Meeting


def members(scale: str) -> int:
    return SIZES[scale].people_per_municipality * len(MUNICIPALITIES)


def test_xlarge_is_ten_times_large():
    large, xlarge = SIZES["large"], SIZES["xlarge"]
    assert (members("large"), members("xlarge")) == (2_016, 20_000)
    assert (large.questions, xlarge.questions) == (20_000, 200_000)
    assert (large.posts, xlarge.posts) == (100_000, 1_000_000)
    assert xlarge.bench_meetings == 10 * large.bench_meetings
    # The answers (1 to max_answers for most questions) leave room: the comments fill the rest.
    assert xlarge.questions * (1 + xlarge.max_answers) / 2 < xlarge.posts
    assert xlarge.long_thread, "the benchmarks' question page needs its 20 answers"


def test_the_seeders_make_what_a_size_asks_for(app, monkeypatch):
    """xlarge's shape at a tenth of a thousandth: members per municipality, questions, posts
    (answers and comments together), held meetings one a day, the 20-answer question."""
    tiny = replace(SIZES["xlarge"], people_per_municipality=2, questions=60, posts=400)
    monkeypatch.setitem(SIZES, "tiny", replace(tiny, bench_meetings=12))
    rng = random.Random(1381)
    for seeder in (auth_demo.seed, meetings_demo.seed, forum_demo.seed):
        list(seeder(rng, "tiny"))
        db.session.commit()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(User) == 2 * len(MUNICIPALITIES) + len(auth_demo.FIXED_ACCOUNTS)
    assert count(Question) == 60
    assert count(Answer) + count(Comment) == 400
    assert db.session.scalar(select(func.max(Question.answer_count))) == 20
    assert count(Meeting) == 12  # the story's meetings, then held ones up to the size's
    rows = db.session.execute(select(Meeting.title, Meeting.starts_at)).all()
    made = sorted(starts for title, starts in rows if title.split()[-1].isdigit())
    assert len(made) == 12 - 4 and (made[-1] - made[0]).days < 8 + 4  # one a weekday


def test_seed_demo_offers_every_size(app):
    result = app.test_cli_runner().invoke(args=["hub", "seed-demo", "--scale", "huge"])
    assert result.exit_code != 0
    for scale in SIZES:
        assert f"'{scale}'" in result.output
