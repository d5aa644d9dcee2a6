"""Many pages as many readers see them, to show a change keeps the HTML and headers byte for byte.

Renders the hub's pages (start, lists and their filters, a question, a meeting, a network, the
directory and a person, material, settings, notifications, search, the sign-in pages, errors) as
a visitor and as five members (the demo ambassador, coordinator and admin, a member hidden from
the directory, a member in Stockholms län), in Swedish and English, each page twice (the second
from whatever the worker keeps). CSRF tokens, nonces and "how long ago" texts are masked, as in
``bench/question_identity.py``; each response's status, headers in order (the session cookie's
value masked) and body hash go to ``OUT/hashes.json``, the first render of each page to
``OUT/*.html``. Writes to the database (the readers' language): give it a copy. ``--repo`` runs
another checkout's code (the code before a change).

    cp bench/cache/large.db /tmp/before.db && cp bench/cache/large.db /tmp/after.db
    .venv/bin/python bench/page_identity.py --repo /tmp/old \
        --database-url sqlite:////tmp/before.db --out /tmp/before
    .venv/bin/python bench/page_identity.py --database-url sqlite:////tmp/after.db --out /tmp/after
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from question_identity import masked as masked_question
from question_identity import reader_client, set_language

STATIC_PATHS = (
    "/",
    "/fragor",
    "/fragor?sort=active",
    "/fragor?sort=unanswered",
    "/fragor?page=3",
    "/fragor/ny",
    "/sok?q=surfplattan",
    "/sok?q=m%C3%B6te&del=traffar",
    "/sok?q=anna&del=personer",
    "/katalog",
    "/katalog?q=anna",
    "/katalog?q=lind&page=2",
    "/katalog?region=13",
    "/katalog?region=01&page=2",
    "/katalog?kommun=1381",
    "/katalog?tagg=surfplattor",
    "/katalog?tagg=surfplattor&page=2",
    "/katalog?roll=digitaliseringsombud&omrade=aldreomsorg",
    "/katalog?page=4",
    "/katalog?per_page=50",
    "/kommun/1381?page=2",
    "/kommuner",
    "/traffar",
    "/natverk",
    "/material",
    "/notiser",
    "/installningar",
    "/installningar/profil",
    "/installningar/konto",
    "/personuppgifter",
    "/tillganglighet",
    "/logga-in",
    "/glomt-losenord",
    "/ga-med",
    "/finns-inte",
    "/fragor/999999999",
    "/moderering",
    "/konton",
)
COOKIE_VALUE = re.compile(r"^(session=)[^;]+")
FORM_TOKEN = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+')  # WTForms' own field


def masked(html: str) -> str:
    return FORM_TOKEN.sub(r"\1T", masked_question(html))


def discovered_paths(db, text) -> list[str]:
    """Addresses of rows the demo data has (the first of each kind)."""
    one = lambda sql: db.session.scalar(text(sql))  # noqa: E731
    question = one("SELECT id FROM question WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 1")
    meeting = one("SELECT id FROM meeting ORDER BY id DESC LIMIT 1")
    network = one("SELECT slug FROM network ORDER BY id LIMIT 1")
    person = one("SELECT user_id FROM profile WHERE NOT hidden_from_directory LIMIT 1")
    material = one("SELECT id FROM material_item ORDER BY id LIMIT 1")
    return [
        f"/fragor/{question}",
        f"/traffar/{meeting}",
        f"/natverk/{network}",
        f"/natverk/{network}/stafett",
        f"/katalog/{person}",
        "/kommun/1381",
        f"/material/{material}",
    ]


def readers(db, text) -> dict[str, str | None]:
    """Each reader's session id (``User.get_id``); None for the visitor."""
    from hub.auth.models import User

    one = lambda sql: db.session.scalar(text(sql))  # noqa: E731
    found = {
        "ambassador": one("SELECT id FROM \"user\" WHERE email = 'ambassador@demo.stafetten.se'"),
        "coordinator": one("SELECT id FROM \"user\" WHERE email = 'samordnare@demo.stafetten.se'"),
        "admin": one("SELECT id FROM \"user\" WHERE email = 'admin@demo.stafetten.se'"),
        "hidden": one(
            "SELECT user_id FROM profile WHERE hidden_from_directory ORDER BY user_id LIMIT 1"
        ),
        "elsewhere": one(
            "SELECT id FROM \"user\" WHERE municipality_code LIKE '01%' AND active"
            " ORDER BY id LIMIT 1 OFFSET 7"  # in order: without, whichever index the plan took
        ),
    }
    who: dict[str, str | None] = {"visitor": None}
    who.update({name: db.session.get(User, uid).get_id() for name, uid in found.items() if uid})
    return who


def render_all(database_url: str, out: Path) -> None:
    import render_cpu

    render_cpu.production_env(database_url)
    os.environ["HUB_REQUIRE_2FA_FOR_STAFF"] = "0"  # the coordinator and admin read as they are
    app = render_cpu.build_app()
    from sqlalchemy import text

    from hub.extensions import db

    with app.app_context():
        paths = [*STATIC_PATHS, *discovered_paths(db, text)]
        who = readers(db, text)
    out.mkdir(parents=True, exist_ok=True)
    hashes: dict[str, list] = {}
    for language in ("sv", "en"):
        set_language(app, language)
        for name, session_id in who.items():
            client = reader_client(app, session_id, language)
            for path in paths:
                for attempt in (1, 2):
                    response = client.get(path)
                    key = f"{language}-{name}-{path}-{attempt}"
                    keep(hashes, out, key, response, write=attempt == 1)
    (out / "hashes.json").write_text(json.dumps(hashes, indent=0, sort_keys=True))
    print(f"{len(hashes)} responses in {out}", file=sys.stderr)


def keep(hashes: dict, out: Path, key: str, response, *, write: bool) -> None:
    body = masked(response.get_data(as_text=True))
    headers = [
        (name, COOKIE_VALUE.sub(r"\1S", value) if name == "Set-Cookie" else value)
        for name, value in response.headers.items()
    ]
    headers = [(n, re.sub(r"'nonce-[^']+'", "'nonce-N'", v)) for n, v in headers]
    digest = hashlib.sha256(body.encode()).hexdigest()
    hashes[key] = [response.status_code, digest, headers]
    if write:
        name = re.sub(r"[^\w.-]", "_", key)
        (out / f"{name}.html").write_text(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a copy of a database seeded with seed-demo")
    parser.add_argument("--out", type=Path, help="folder for the pages and hashes.json")
    parser.add_argument("--repo", type=Path, help="the checkout whose code renders")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent
    root = (args.repo or here.parent).resolve()
    sys.path[:0] = [str(root), str(root / "bench"), str(here)]
    os.chdir(root)
    render_all(args.database_url, args.out)


if __name__ == "__main__":
    main()
