"""The question page's HTML as many readers see it, to show a change keeps it byte for byte.

Renders 176 question pages (the newest, the most answered, hidden, locked and merged ones) as
seven readers (the demo ambassador, coordinator and admin, an answer's author, an asker, a
member hidden from the directory, a member in Stockholms län) in both languages, each page
twice (made, then from the kept parts), and each reader's error pages of the answer, comment
and report forms sent empty. The CSRF tokens, nonces and "how long ago" texts (which move
with the clock) are masked; each response's status and hash go to ``OUT/hashes.json``, the
first render of each page to ``OUT/*.html``. Writes to the database (the readers' language):
give it a copy. ``--lists`` adds the question list in its forms (sorts, filters, pages) as
each reader. ``--repo`` runs another checkout's code (the code before a change).

    cp bench/cache/large.db /tmp/before.db && cp bench/cache/large.db /tmp/after.db
    .venv/bin/python bench/question_identity.py --repo /tmp/old \
        --database-url sqlite:////tmp/before.db --out /tmp/before
    .venv/bin/python bench/question_identity.py \
        --database-url sqlite:////tmp/after.db --out /tmp/after
    .venv/bin/python bench/question_identity.py --compare /tmp/before /tmp/after
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path

MASKS = (
    (re.compile(r'(name="csrf_token" value=")[^"]+'), r"\1T"),
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1T"),
    (re.compile(r'nonce="[^"]+"'), 'nonce="N"'),
    (re.compile(r"(<time [^>]*>)[^<]*(</time>)"), r"\1AGO\2"),
)


def masked(html: str) -> str:
    for pattern, replacement in MASKS:
        html = pattern.sub(replacement, html)
    return html


def question_ids(db, text, pages: int) -> list[int]:
    ids = db.session.scalars(
        text("SELECT id FROM question WHERE deleted_at IS NULL AND merged_into_id IS NULL "
             "ORDER BY id DESC LIMIT :n"), {"n": pages // 2}
    ).all()  # fmt: skip
    ids += db.session.scalars(
        text("SELECT question_id FROM answer WHERE deleted_at IS NULL GROUP BY question_id "
             "ORDER BY count(*) DESC, question_id LIMIT :n"), {"n": pages - len(ids)}
    ).all()  # fmt: skip
    ids += db.session.scalars(
        text("SELECT id FROM question WHERE hidden OR locked OR merged_into_id IS NOT NULL "
             "OR deleted_at IS NOT NULL ORDER BY id LIMIT 6")
    ).all()  # fmt: skip
    return list(dict.fromkeys(ids))


DEMO_AMBASSADOR = "ambassador@demo.stafetten.se"


def readers(db, text, busiest: int, ids: list[int]) -> dict[str, str]:
    """Each reader's session id (``User.get_id``)."""
    from hub.auth.models import User

    one = lambda sql, **values: db.session.scalar(text(sql), values)  # noqa: E731
    first = 'SELECT id FROM "user" WHERE role = :r ORDER BY id LIMIT 1'  # "user": PostgreSQL
    found = {
        "ambassador": one('SELECT id FROM "user" WHERE email = :e', e=DEMO_AMBASSADOR),
        "coordinator": one(first, r="coordinator"),
        "admin": one(first, r="admin"),
        "writer": one(
            "SELECT author_id FROM answer WHERE question_id = :q AND author_id IS NOT "
            "NULL ORDER BY id LIMIT 1",
            q=busiest,
        ),
        "asker": one("SELECT author_id FROM question WHERE id = :q", q=ids[-min(10, len(ids))]),
        "hidden": one(
            "SELECT user_id FROM profile WHERE hidden_from_directory ORDER BY user_id LIMIT 1"
        ),
        "elsewhere": one(
            'SELECT id FROM "user" WHERE municipality_code LIKE :p AND active'
            " ORDER BY id LIMIT 1 OFFSET 7",
            p="01%",
        ),
    }
    return {name: db.session.get(User, uid).get_id() for name, uid in found.items() if uid}


# The question list in the forms members use (bench/realistic.py's sorts, filters and pages).
LIST_PATHS = (
    "/fragor",
    "/fragor?page=2",
    "/fragor?page=6",
    "/fragor?sort=active",
    "/fragor?sort=unanswered&page=3",
    "/fragor?sort=helpful",
    "/fragor?kategori=digitala-verktyg",
    "/fragor?kategori=digitala-verktyg&sort=active&page=2",
    "/fragor?tagg=teams",
    "/fragor?tagg=surfplattor&page=2",
    "/fragor?min=1",
    "/fragor?per_page=50",
    "/fragor?per_page=10&page=4",
)


def render_all(database_url: str, out: Path, pages: int, lists: bool = False) -> None:
    import render_cpu

    render_cpu.production_env(database_url)
    os.environ["HUB_REQUIRE_2FA_FOR_STAFF"] = "0"  # the coordinator and admin read as they are
    app = render_cpu.build_app()
    from sqlalchemy import text

    from hub.extensions import db

    with app.app_context():
        ids = question_ids(db, text, pages)
        busiest = db.session.scalar(
            text("SELECT question_id FROM answer WHERE deleted_at IS NULL GROUP BY question_id "
                 "ORDER BY count(*) DESC, question_id LIMIT 1")
        )  # fmt: skip
        who = readers(db, text, busiest, ids)
    out.mkdir(parents=True, exist_ok=True)
    hashes: dict[str, list] = {}
    for language in ("sv", "en"):
        set_language(app, language)
        for name, session_id in who.items():
            client = reader_client(app, session_id)
            for path in LIST_PATHS if lists else ():
                for attempt in (1, 2):
                    response = client.get(path)
                    key = f"{language}-{name}-{path}-{attempt}".replace("/", "_")
                    keep(hashes, out, key, response, write=attempt == 1)
            for question_id in ids:
                for attempt in (1, 2):
                    response = client.get(f"/fragor/{question_id}", follow_redirects=True)
                    key = f"{language}-{name}-{question_id}-{attempt}"
                    keep(hashes, out, key, response, write=attempt == 1)
            for kind, response in error_pages(client, busiest):
                keep(hashes, out, f"{language}-{name}-post-{kind}", response, write=True)
    (out / "hashes.json").write_text(json.dumps(hashes, indent=0, sort_keys=True))
    print(f"{len(hashes)} responses in {out}", file=sys.stderr)


def set_language(app, language: str) -> None:
    """Every member reads in ``language`` (their account's choice)."""
    from sqlalchemy import text

    from hub.extensions import db

    with app.app_context():
        db.session.execute(text('UPDATE "user" SET locale = :l'), {"l": language})
        db.session.commit()


def reader_client(app, session_id: str | None, language: str | None = None):
    """A test client signed in as ``session_id`` (None: a visitor), in ``language`` if given."""
    client = app.test_client()
    with client.session_transaction() as session:
        if language:
            session["locale"] = language
        if session_id:
            session["_user_id"], session["_fresh"] = session_id, False
    return client


def error_pages(client, question_id: int):
    page = client.get(f"/fragor/{question_id}", follow_redirects=True).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer_id = re.search(r'id="svar-(\d+)"', page).group(1)
    forms = {
        "answer": (f"/fragor/{question_id}/svar", {"body": ""}),
        "comment": (f"/fragor/{question_id}/kommentar", {"body": ""}),
        "answer-comment": (f"/svar/{answer_id}/kommentar", {"body": ""}),
        "answer-report": (f"/fragor/{question_id}/flagga",
                          {"target_type": "answer", "target_id": answer_id, "reason": ""}),
        "report": (f"/fragor/{question_id}/flagga",
                   {"target_type": "question", "target_id": str(question_id), "reason": ""}),
    }  # fmt: skip
    for kind, (path, form) in forms.items():
        yield kind, client.post(path, data={"csrf_token": token, **form})


def keep(hashes: dict, out: Path, key: str, response, *, write: bool) -> None:
    body = masked(response.get_data(as_text=True))
    hashes[key] = [response.status_code, hashlib.sha256(body.encode()).hexdigest()]
    if write:
        (out / f"{key}.html").write_text(body)


def compare(before: Path, after: Path) -> int:
    old = json.loads((before / "hashes.json").read_text())
    new = json.loads((after / "hashes.json").read_text())
    differ = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    print(f"{len(old)} and {len(new)} responses; {len(differ)} differ: {differ[:20]}")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a copy of a database seeded with seed-demo")
    parser.add_argument("--out", type=Path, help="folder for the pages and hashes.json")
    parser.add_argument("--repo", type=Path, help="the checkout whose code renders")
    parser.add_argument("--pages", type=int, default=176)
    parser.add_argument("--lists", action="store_true", help="the question list's forms too")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    root = (args.repo or Path(__file__).resolve().parent.parent).resolve()
    sys.path[:0] = [str(root), str(root / "bench")]
    os.chdir(root)
    render_all(args.database_url, args.out, args.pages, args.lists)


if __name__ == "__main__":
    main()
