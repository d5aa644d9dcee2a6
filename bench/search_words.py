"""Instructions per search page render for each query of the realistic mix (issue 17's search
budget, for the queries members send, not render_cpu's one).

One process under ``valgrind --tool=callgrind`` renders ``/sok?q=<word>`` for each of
``bench/realistic.py``'s SEARCH_WORDS as render_cpu's demo ambassador: per word, warm-ups with
instrumentation off, then ``--renders`` renders counted and dumped on their own. Prints millions
of instructions per render for each word and their mean (the mix draws the words evenly), and
the statements of one render. About 10 million instructions are 1 ms on a quiet machine
(bench/README.md); the count does not move with the machine's load.

    .venv/bin/python bench/search_words.py                      # the large data set, SQLite
    .venv/bin/python bench/search_words.py --database-url postgresql+psycopg://…/large
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import render_cpu  # noqa: E402
from realistic import SEARCH_WORDS  # noqa: E402
from run import add_scale_argument  # noqa: E402


def instrumented(database_url: str, renders: int) -> None:
    """Under callgrind: each word's renders counted, then dumped (``callgrind_control --dump``)."""
    app = render_cpu.build_app()
    client = app.test_client()
    render_cpu.sign_in(client)
    from hub.extensions import db

    with app.app_context():
        counter = render_cpu.StatementCounter(db.engine)
    pid, statements = str(os.getpid()), {}
    for number, word in enumerate(SEARCH_WORDS):
        path = "/sok?" + urlencode({"q": word})
        for _ in range(5):
            render_cpu.render(client, path)
        before = counter.count
        render_cpu.render(client, path)
        statements[word] = counter.count - before
        subprocess.run(["callgrind_control", "-z", pid], check=True, capture_output=True)
        subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
        for _ in range(renders):
            render_cpu.render(client, path)
        subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
        dump = ["callgrind_control", f"--dump=word{number}", pid]
        subprocess.run(dump, check=True, capture_output=True)
    print(json.dumps(statements))


def count(database_url: str, renders: int) -> tuple[dict[str, float], dict[str, int]]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "words.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        command += [f"--callgrind-out-file={out}", sys.executable, __file__]
        command += ["--database-url", database_url, "--renders", str(renders), "--under-valgrind"]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        statements = json.loads(done.stdout.strip().splitlines()[-1])
        found = {}
        for dump in Path(folder).glob("words.out.*"):
            text = dump.read_text()
            number = re.search(r"^desc: Trigger: dump word(\d+)$", text, re.MULTILINE)
            totals = re.search(r"^totals: (\d+)", text, re.MULTILINE)
            if number and totals:
                found[SEARCH_WORDS[int(number.group(1))]] = int(totals.group(1)) / renders / 1e6
    return found, statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database seeded with seed-demo --scale large")
    add_scale_argument(parser)
    parser.add_argument("--renders", type=int, default=5, help="counted renders per word")
    parser.add_argument("--under-valgrind", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    database_url = args.database_url or render_cpu.default_database_url(args.scale)
    render_cpu.production_env(database_url)
    if args.under_valgrind:
        instrumented(database_url, args.renders)
        return
    found, statements = count(database_url, args.renders)
    load = os.getloadavg()[0]
    print(f"{database_url.split(':')[0]}, {args.renders} renders per word, load average {load:.1f}")
    print("\n| query | instructions (M) | statements |\n| --- | ---: | ---: |")
    for word in SEARCH_WORDS:
        print(f"| {word} | {found.get(word, float('nan')):.1f} | {statements[word]} |")
    mean = sum(found.values()) / len(found)
    print(f"| **mean of {len(found)}** | **{mean:.1f}** | |")


if __name__ == "__main__":
    main()
