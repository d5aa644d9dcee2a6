"""The first search after a start with the search tables out of every cache (issue 18: ≤ 20 ms).

Run by hand from the repository root, as a user who may read the PostgreSQL server's files (the
server on this machine), against a database the search bench has filled:

    .venv/bin/python bench/search_cold_start.py postgresql+psycopg://…/searchpg_sb journalsystem

It copies the database with ``createdb -S FILE_COPY`` (file by file, not through the server's
shared buffers) to ``<name>_cold``, syncs, and evicts the copy's files from the operating
system's cache with ``posix_fadvise(DONTNEED)`` (those files only: nothing else is dropped). Then
in a fresh process: ``create_app``, ``warm_up`` (what gunicorn's master runs before the fork),
``warm_worker`` and one search. Printed: how much of the copy is in the OS cache after each step
(``fincore``), so the pages the first search itself had to read from disk, and its wall clock.
The copy is dropped at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

FIRST_SEARCH = """
import subprocess, sys, time
from pathlib import Path
from hub import create_app
from hub.forum.search import search
from hub.warmup import warm_up, warm_worker
from tests.conftest import make_config

files = [str(p) for p in Path(sys.argv[2]).iterdir()]


def cached_mb():
    out = subprocess.run(["fincore", "-b", "-n", "-o", "RES", *files], capture_output=True,
                         text=True, check=True).stdout.split()
    return sum(map(int, out)) / 2**20


steps = [("start", cached_mb(), 0.0)]
app = create_app(make_config(sys.argv[1]))
for name, step in (("warm_up", warm_up), ("warm_worker", warm_worker)):
    started = time.perf_counter()
    step(app)
    steps.append((name, cached_mb(), time.perf_counter() - started))
with app.app_context():
    started = time.perf_counter()
    search(sys.argv[3])
    wall = time.perf_counter() - started
steps.append(("first search", cached_mb(), wall))
for name, mb, seconds in steps:
    print(f"{name}: {seconds * 1000:.1f} ms, the copy's files in the OS cache: {mb:.1f} MB")
print(f"the first search read {(steps[-1][1] - steps[-2][1]) * 128:.0f} pages of 8 kB from disk"
      f" (readahead included) in {wall * 1000:.1f} ms")
"""


def main() -> None:
    url, query = make_url(sys.argv[1]), sys.argv[2]
    cold = f"{url.database}_cold"
    server = ["-h", url.host or "localhost", "-p", str(url.port or 5432), "-U", url.username]
    run = lambda *args: subprocess.run(args, check=True, capture_output=True, text=True).stdout  # noqa: E731
    run("dropdb", *server, "--if-exists", cold)
    run("createdb", *server, "-S", "FILE_COPY", "-T", url.database, cold)
    try:
        with create_engine(url).connect() as connection:
            directory = Path(
                connection.scalar(
                    text(
                        "SELECT current_setting('data_directory') || '/base/' || oid"
                        " FROM pg_database WHERE datname = :cold"
                    ),
                    {"cold": cold},
                )
            )
        os.sync()
        for path in directory.iterdir():
            descriptor = os.open(path, os.O_RDONLY)
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(descriptor)
        root = Path(__file__).resolve().parent.parent
        copy = url.set(database=cold).render_as_string(hide_password=False)
        done = subprocess.run(
            [sys.executable, "-c", FIRST_SEARCH, copy, str(directory), query],
            cwd=root, capture_output=True, text=True,
        )  # fmt: skip
        print(done.stdout.strip() or done.stderr[-1000:])
        print(f"load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        run("dropdb", *server, "--if-exists", cold)


if __name__ == "__main__":
    main()
