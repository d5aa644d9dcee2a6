"""What the question lists' statements read for one member: EXPLAIN (ANALYZE, BUFFERS) on
PostgreSQL, the virtual machine's instructions (in hundreds) on SQLite.

Run by hand on a filled database (read only):

    HUB_DATABASE_URL=… .venv/bin/python bench/list_plans.py USER_ID TAG_ID [--repo DIR]

Per statement: the start page's "unanswered in your topics", the list of the member's topics and
of the tag in each order, each category with and without the tag, every order unfiltered and on
page 6. ``--repo`` runs another checkout's code (e.g. ``git worktree add /tmp/before 36ba9ff``)
on the same database, for a before and after. Issue 17 at 10x the data: pick a member whose
topics have no unanswered question (or no question at all) to see a walk.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path


def cases(user, tag) -> dict:
    from hub.extensions import db
    from hub.forum import questions
    from hub.forum.models import Category
    from hub.forum.questions import QuestionFilters

    found: dict = {"start for_me": None}
    for sort in questions.SORTS:
        found[f"mine {sort}"] = QuestionFilters(sort=sort, mine_expertise=True)
        found[f"tag {sort}"] = QuestionFilters(sort=sort, tag=tag)
    for category in db.session.query(Category).order_by(Category.id):
        for sort in questions.SORTS:
            found[f"cat{category.id} {sort}"] = QuestionFilters(sort=sort, category=category)
            found[f"cat{category.id} tag {sort}"] = QuestionFilters(
                sort=sort, category=category, tag=tag
            )
    for sort in questions.SORTS:
        found[f"all {sort} p6"] = QuestionFilters(sort=sort, page=6)
    found["mine unanswered p3"] = QuestionFilters(sort="unanswered", mine_expertise=True, page=3)
    return found


def statement(filters, user):
    """The statement and its values, as the start page or the list runs it."""
    from hub.forum import questions, summary
    from hub.forum.questions import QuestionFilters

    if filters is None:  # the start page's "unanswered in your topics"
        shape, values = questions.list_query(
            QuestionFilters(sort="unanswered", mine_expertise=True), user
        )
        if "others_only" in getattr(shape, "__dataclass_fields__", {}):
            built = summary._first_of(replace(shape, others_only=True))
        else:  # before migration 0033
            built = summary._first_of(shape, True)
        return built, {**values, "limit": 5, "upto": 5}
    shape, values = questions.list_query(filters, user)
    values["limit"] = filters.per_page + 1
    values["offset"] = (filters.page - 1) * filters.per_page
    values["upto"] = values["offset"] + values["limit"]
    return questions._listed(shape), values


def measure(connection, built, values) -> str:
    dialect = connection.dialect
    if dialect.name != "postgresql":
        raw = connection.connection.driver_connection
        steps = [0]

        def tick() -> int:
            steps[0] += 1
            return 0

        raw.set_progress_handler(tick, 100)
        started = time.perf_counter()
        rows = _rows(connection, built, values)
        took = (time.perf_counter() - started) * 1000
        raw.set_progress_handler(None, 100)
        return f"{took:8.2f} ms  instructions (100) {steps[0]:7d}  rows {len(rows)}"
    if hasattr(built, "sent"):  # on the driver's cursor (hub.core.driver_rows.DriverStatement)
        sql, given = built.sent(values, dialect)
    else:
        compiled = built.compile(dialect=dialect)
        given = {**compiled.params, **{k: v for k, v in values.items() if k in compiled.params}}
        expanded = compiled.construct_expanded_state(given)  # limits written in (summary.py)
        sql, given = expanded.statement, expanded.parameters
    explain = f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"
    plan = connection.exec_driver_sql(explain, given).scalar()[0]
    top = plan["Plan"]
    buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    return (
        f"{plan['Execution Time']:8.2f} ms  planning {plan['Planning Time']:5.2f} ms"
        f"  buffers {buffers:8d}  rows {top['Actual Rows']}"
    )


def _rows(connection, built, values) -> list:
    if hasattr(built, "sent"):  # on the driver's cursor (hub.core.driver_rows.DriverStatement)
        return connection.exec_driver_sql(*built.sent(values, connection.dialect)).all()
    return connection.execute(built, values).all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("user_id", type=int)
    parser.add_argument("tag_id", type=int)
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    sys.path.insert(0, args.repo)
    os.chdir(args.repo)
    from config import config_from_env
    from hub import create_app
    from hub.auth.models import User
    from hub.core.models import Tag
    from hub.extensions import db

    app = create_app(config_from_env())
    with app.test_request_context():
        user, tag = db.session.get(User, args.user_id), db.session.get(Tag, args.tag_id)
        connection = db.session.connection()
        for name, filters in cases(user, tag).items():
            built, values = statement(filters, user)
            print(f"{name:22} {measure(connection, built, values)}")


if __name__ == "__main__":
    main()
