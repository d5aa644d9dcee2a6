"""Each statement's cost in this process, sent through ``hub.core.driver_rows`` in a loop.

A loop like /work/wt/notes/s14/rt.py's, but through the hub's own path: ``DriverStatement.rows``
inside one request's session (``reading_connection``), with the engine's cursor events. Per
statement, this process's user and kernel CPU (µs, from /proc, the kernel's share of a round trip
included) and the server backend's; and, with ``--pipelined``, the same statements sent in groups
(``driver_rows.pipelined``: one round trip a group).

    .venv/bin/python bench/driver_loop.py --database-url postgresql+psycopg://…/large
    … bench/driver_loop.py --database-url … --calls 20000 --group 3

Times move with the machine's load: quote them with ``cat /proc/loadavg``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from render_cpu import build_app, production_env  # noqa: E402  (bench/ is not a package)

HZ = os.sysconf("SC_CLK_TCK")


def user_system(pid: int) -> tuple[float, float]:
    """A process's user and kernel CPU seconds so far."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) / HZ, int(fields[12]) / HZ


def measured(label: str, run: Callable[[], object], calls: int, statements: int, backend: int):
    """``run`` ``calls`` times after a warm-up; µs per statement (``statements`` a run)."""
    for _ in range(max(calls // 20, 200)):
        run()
    me0, server0 = user_system(os.getpid()), user_system(backend)
    for _ in range(calls):
        run()
    me1, server1 = user_system(os.getpid()), user_system(backend)
    per = 1e6 / (calls * statements)
    user, system = (me1[0] - me0[0]) * per, (me1[1] - me0[1]) * per
    server = (server1[0] - server0[0] + server1[1] - server0[1]) * per
    print(
        f"{label:34} client {user + system:5.1f} µs (user {user:4.1f}, kernel {system:4.1f})"
        f"  server {server:5.1f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL copy of large")
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--group", type=int, default=3, help="statements a pipelined group")
    parser.add_argument("--pipelined", action="store_true", help="also in pipelined groups")
    args = parser.parse_args()
    production_env(args.database_url)
    app = build_app()

    from sqlalchemy import select

    from hub.auth.accounts import USER_BY_ID
    from hub.auth.models import User
    from hub.core import driver_rows
    from hub.core.db import reading_connection
    from hub.extensions import db
    from hub.forum.models import Question
    from hub.forum.page_answers import ANSWERS
    from hub.forum.questions import PAGE_ROW

    with app.test_request_context():
        user_id = db.session.scalar(select(User.id).where(User.active).order_by(User.id))
        question_id = db.session.scalar(select(Question.id).order_by(Question.answer_count.desc()))
        backend = reading_connection().connection.driver_connection.info.backend_pid
        member = {"user_id": user_id}
        page = {"question_id": question_id, "user_id": user_id, "expert_ids": []}
        row = PAGE_ROW[False]  # a member's: its answers are a column (session 14, qpage5)
        cases = [
            ("the member (USER_BY_ID, 1 row)", lambda: USER_BY_ID.rows(member)),
            ("the question (PAGE_ROW, 1 row)", lambda: row.rows(page)),
            ("its answers (ANSWERS, ~20 rows)", lambda: ANSWERS[False].rows(page)),
        ]
        for label, run in cases:
            measured(label, run, args.calls, 1, backend)
        if args.pipelined:
            group = [(USER_BY_ID, member), (row, page), (ANSWERS[False], page)][: args.group]
            measured(
                f"the {len(group)} in turn",
                lambda: [statement.rows(values) for statement, values in group],
                args.calls // len(group), len(group), backend,
            )  # fmt: skip
            measured(
                f"the {len(group)} pipelined",
                lambda: driver_rows.pipelined(group),
                args.calls // len(group), len(group), backend,
            )  # fmt: skip
        db.session.rollback()


if __name__ == "__main__":
    main()
