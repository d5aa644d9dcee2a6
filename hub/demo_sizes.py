"""How much demo content each ``seed-demo --scale`` makes: one table the seeders read.

"small" is for trying the hub; "large" (2,000 members, 20,000 questions, 100,000 answers and
comments) is what the benchmarks run on; "xlarge" is ten times that (20,000 members, 200,000
questions, 1,000,000 posts), to show that the pages cost the same with ten times the rows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoSize:
    people_per_municipality: int  # in each of the 32 municipalities
    questions: int
    # Answers and comments together; the comments fill up to it. None: ``comments`` comments.
    posts: int | None
    comments: int
    max_answers: int  # per answered question
    span_days: int  # the questions' ages
    helpful_share: float  # of answers marked helpful
    bench_meetings: int  # older held meetings for the meeting list (0: only the story's)
    meeting_every_days: int  # how far apart those are
    long_thread: bool  # one question with exactly 20 answers, the benchmarks' question page

    def comments_after(self, answers: int) -> int:
        return self.comments if self.posts is None else max(0, self.posts - answers)


SIZES: dict[str, DemoSize] = {
    "small": DemoSize(4, 300, None, 30, 4, 365, 0.5, 0, 7, long_thread=False),
    "large": DemoSize(63, 20_000, 100_000, 0, 5, 1500, 0.1, 500, 7, long_thread=True),
    "xlarge": DemoSize(625, 200_000, 1_000_000, 0, 5, 1500, 0.1, 5000, 1, long_thread=True),
}


def demo_size(scale: str) -> DemoSize:
    return SIZES[scale]
