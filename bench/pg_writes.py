"""What the mix's writes cost the PostgreSQL server: per answer and per helpful mark, the statements
it ran, the buffers they touched, the WAL they wrote (``pg_stat_statements``; a server that
preloads it: bench/README.md, "The PostgreSQL server's time by statement").

Answers go through ``answers.create_answer`` to the questions with the most answers (each
committed, as a request would), helpful marks through ``answers.toggle_helpful`` on the newest
answers. It writes: run it on a copy. Counts, not times, so a shared machine does not matter.
It imports the hub from the current directory, so the same file measures another worktree:

    createdb -h 127.0.0.1 -p 61276 -U stafetten -T large w1
    .venv/bin/python bench/pg_writes.py postgresql+psycopg://stafetten@127.0.0.1:61276/w1
    (cd ../before && .venv/bin/python ../pg-server/bench/pg_writes.py URL-of-another-copy)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path[:0] = [str(Path.cwd()), str(Path(__file__).resolve().parent)]

from run import OF_THIS_DATABASE, RESET_STATEMENTS  # noqa: E402  (bench/ is not a package)
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from hub import create_app  # noqa: E402
from hub.auth.models import User  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.forum import answers  # noqa: E402
from hub.forum.models import Answer, Question  # noqa: E402
from tests.conftest import make_config  # noqa: E402

TOTALS = (
    "SELECT sum(calls), sum(shared_blks_hit + shared_blks_read), sum(wal_records),"  # noqa: S608
    " sum(total_exec_time)"
    " FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'"
    f" AND {OF_THIS_DATABASE}"
)


def measure(admin, work, count: int, what: str) -> None:
    with admin.begin() as connection:
        # This database's only: the server is shared (other databases, other developers).
        connection.execute(text(RESET_STATEMENTS))
    work()
    with admin.begin() as connection:
        calls, blocks, records, spent = connection.execute(text(TOTALS)).one()
    print(
        f"per {what} ({count}): {calls / count:.1f} statements, {blocks / count:.0f} buffers, "
        f"{records / count:.1f} WAL records, {spent / count:.2f} ms server"  # ms: a quiet machine
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--marks", type=int, default=50)
    args = parser.parse_args()
    app = create_app(make_config(args.database_url, WTF_CSRF_ENABLED=False))
    admin = create_engine(args.database_url)
    with app.app_context():
        most = select(Answer.question_id).group_by(Answer.question_id)
        most = most.order_by(func.count().desc(), Answer.question_id).limit(args.answers)
        questions = db.session.scalars(most).all()
        members = select(User.id).where(User.active.is_(True)).order_by(User.id)
        writers = db.session.scalars(members.limit(args.answers + args.marks)).all()
        newest = select(Answer.id).where(Answer.deleted_at.is_(None), Answer.hidden.is_(False))
        marked = db.session.scalars(newest.order_by(Answer.id.desc()).limit(args.marks)).all()
        db.session.rollback()

        def answer_all() -> None:
            for question_id, user_id in zip(questions, writers, strict=False):
                question, user = (
                    db.session.get(Question, question_id),
                    db.session.get(User, user_id),
                )
                answers.create_answer(question, user, f"Ett nytt svar om laddaren, {question_id}.")
                db.session.commit()

        def mark_all() -> None:
            for answer_id, user_id in zip(marked, writers[args.answers :], strict=False):
                user = db.session.get(User, user_id)
                answer = answers.get_answer_for(user, answer_id)  # as the view loads it
                if answer.author_id != user.id:
                    answers.toggle_helpful(answer, user)
                db.session.commit()

        measure(admin, answer_all, len(questions), "answer")
        measure(admin, mark_all, len(marked), "helpful mark")
    admin.dispose()


if __name__ == "__main__":
    main()
