"""The search page's HTML as many readers see it, to show a change keeps it byte for byte.

Renders ``/sok`` for every query of the realistic mix (``bench/realistic.py``), render_cpu's
forms, the hostile queries of the tests, a typo and its undo, pages, filters, sections in full and
a few invalid forms, as the readers of ``bench/question_identity.py`` (the demo ambassador,
coordinator and admin, an answer's author, an asker, a member hidden from the directory, a member
in Stockholms län) in both languages, each path twice (the second from whatever the process
keeps). Masks (but the meetings' dates, which are compared), output and comparison are
question_identity's. Writes to the database (the readers' language): give it a copy. ``--repo``
runs another checkout's code (the code before a change).

    cp bench/cache/large.db /tmp/before.db && cp bench/cache/large.db /tmp/after.db
    .venv/bin/python bench/search_identity.py --repo /tmp/old \
        --database-url sqlite:////tmp/before.db --out /tmp/before
    .venv/bin/python bench/search_identity.py \
        --database-url sqlite:////tmp/after.db --out /tmp/after
    .venv/bin/python bench/search_identity.py --compare /tmp/before /tmp/after
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlencode


def search_paths() -> list[str]:
    from realistic import SEARCH_WORDS
    from render_cpu import FORMS

    from tests.search.test_search import HOSTILE

    queries = [{"q": word} for word in SEARCH_WORDS] + [{"q": query} for query in HOSTILE]
    queries += [
        {},
        {"q": "surfplatan", "exakt": "1"},
        {"q": "möte", "page": "2"},
        {"q": "möte", "page": "999"},
        {"q": "möte", "page": "x"},
        {"q": "wifi", "kategori": "2"},
        {"q": "wifi", "kategori": "2", "tagg": "appar", "besvarad": "ja"},
        {"q": "wifi", "besvarad": "nej", "page": "2"},
        {"q": "möte", "tagg": "appar"},
        {"q": "", "kategori": "1"},
        {"q": "wifi", "kategori": "999"},
        {"q": "wifi", "tagg": "no-such-tag"},
        {"q": "wifi", "besvarad": "kanske"},
        {"q": "wifi", "kategori": " "},
        {"q": "anna surfplattor"},
        {"q": "surfplatan", "del": "traffar"},
        {"q": "möte", "del": "forslag"},
        {"q": "anna", "del": "personer"},
        {"q": "wifi", "del": "ingenting"},
        {"q": "<script>alert(1)</script> möte"},
        {"q": "möte", "extra": "&\"<>'"},
    ]
    return ["/sok?" + urlencode(query) if query else "/sok" for query in queries] + [
        path for path, _budget in FORMS.values() if path.startswith("/sok")
    ]


def render_all(database_url: str, out: Path) -> None:
    import question_identity
    import render_cpu
    from question_identity import keep, question_ids, reader_client, readers, set_language

    # The meetings' dates are fixed (no "how long ago"): compared, not masked.
    question_identity.MASKS = question_identity.MASKS[:3]

    render_cpu.production_env(database_url)
    os.environ["HUB_REQUIRE_2FA_FOR_STAFF"] = "0"  # the coordinator and admin read as they are
    app = render_cpu.build_app()
    from sqlalchemy import text

    from hub.extensions import db

    with app.app_context():
        ids = question_ids(db, text, 20)
        who = readers(db, text, ids[-1], ids)
    paths = search_paths()
    out.mkdir(parents=True, exist_ok=True)
    hashes: dict[str, list] = {}
    for language in ("sv", "en"):
        set_language(app, language)
        for name, session_id in who.items():
            client = reader_client(app, session_id)
            for number, path in enumerate(paths):
                for attempt in (1, 2):
                    response = client.get(path)
                    key = f"{language}-{name}-{number:03}-{attempt}"
                    keep(hashes, out, key, response, write=attempt == 1 and name == "ambassador")
    (out / "paths.json").write_text(json.dumps(paths, ensure_ascii=False, indent=0))
    (out / "hashes.json").write_text(json.dumps(hashes, indent=0, sort_keys=True))
    print(f"{len(hashes)} responses in {out}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a copy of a database seeded with seed-demo")
    parser.add_argument("--out", type=Path, help="folder for the pages and hashes.json")
    parser.add_argument("--repo", type=Path, help="the checkout whose code renders")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    root = (args.repo or Path(__file__).resolve().parent.parent).resolve()
    sys.path[:0] = [str(root), str(root / "bench")]
    if args.compare:
        from question_identity import compare

        sys.exit(compare(*args.compare))
    os.chdir(root)
    render_all(args.database_url, args.out)


if __name__ == "__main__":
    main()
