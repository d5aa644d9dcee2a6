"""Benchmark: the hub's pages against a bare Flask page, on the large demo data set, on loopback.

    .venv/bin/python bench/run.py [--duration 10] [--reseed] [--scale large|xlarge]

Makes (once, then cached) a database with ``flask hub seed-demo --scale large`` (or ``xlarge``;
SQLite under bench/cache/, one file per scale, or PostgreSQL if HUB_DATABASE_URL is set), serves the
hub and bench/bare_app.py each with ``gunicorn -w 2 -k sync`` on 127.0.0.1, signs in as the demo
ambassador, and runs ``wrk`` against each page and the bare page in turn (bare, page, bare, page
...): at concurrency 8 for req/s, at concurrency 1 for p50/p95 latency. Prints a Markdown table and
writes it under bench/results/. Nothing leaves the machine; every wrk run is bounded by --duration.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from sqlalchemy import Connection

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = BENCH / "cache"
RESULTS = BENCH / "results"
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"  # loopback only
DEMO_EMAIL = "ambassador@demo.stafetten.se"
DEMO_PASSWORD = "stafetten-demo"  # noqa: S105  (the published demo password)
# pg_stat_statements of this database only: the bench server is shared (other databases, other
# developers), and the reset with no arguments empties every database's.
THIS_DATABASE = "(SELECT oid FROM pg_database WHERE datname = current_database())"
RESET_STATEMENTS = f"SELECT pg_stat_statements_reset(0, {THIS_DATABASE}, 0)"
OF_THIS_DATABASE = f"dbid = {THIS_DATABASE}"

# The pages measured, signed in: (name, path or a function of the database URL that finds one).
# Pages that do not exist yet answer 404; the table's "status" column shows it.


def question_with_20_answers(database_url: str) -> str:
    """The canonical /fragor/<id>/<slug> of a question with 20 answers (hub/forum/demo.py makes
    one in the large data set), or of the one nearest to 20; the bare id would answer 301."""
    from sqlalchemy import create_engine, text

    sys.path.insert(0, str(ROOT))  # run as a script: the hub package sits one level up
    from hub.forum.questions import question_path, slugify

    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT q.id, q.title FROM question q JOIN answer a ON a.question_id = q.id "
                "WHERE q.deleted_at IS NULL AND q.merged_into_id IS NULL "
                "GROUP BY q.id, q.title ORDER BY abs(count(*) - 20), q.id LIMIT 1"
            )
        ).first()
    engine.dispose()
    return question_path(row.id, slugify(row.title)) if row else "/fragor/1"


PAGES: list[tuple[str, str | Callable[[str], str]]] = [
    ("question list", "/fragor"),
    ("question, 20 answers", question_with_20_answers),
    ("search", "/sok?" + urlencode({"q": "surfplattans"})),
    ("directory", "/katalog"),
    ("meeting list", "/traffar"),
    ("start page", "/"),
]
BARE_PATH = "/"

WRK_SCRIPT = """
wrk.headers["Cookie"] = %s
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, '
    .. '"status_errors": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p95_ms: float
    errors: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--reseed", action="store_true", help="rebuild the cached database")
    add_scale_argument(parser)
    args = parser.parse_args()
    ensure_wrk()
    database_url = prepare_database(reseed=args.reseed, scale=args.scale)
    pages = [(name, path(database_url) if callable(path) else path) for name, path in PAGES]
    hub_settings = hub_env(database_url)
    with serve("wsgi:app", hub_settings) as hub, serve("bench.bare_app:app", {}) as bare:
        cookie = sign_in(hub)
        rows = [measure_page(name, path, hub, bare, cookie, args.duration) for name, path in pages]
    save_results(format_table(rows, database_url, args.duration))


def save_results(table: str, prefix: str = "") -> None:
    """Print the table and keep it in bench/results/, named by the time (UTC)."""
    print(table)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{prefix}{datetime.now(UTC):%Y%m%dT%H%M%SZ}.md"
    out.write_text(table + "\n", encoding="utf-8")
    print(f"\nSparat i {out.relative_to(ROOT)}")


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    print("== Installerar wrk", flush=True)
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)


SCALES = ("large", "xlarge")


def add_scale_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale",
        choices=SCALES,
        default="large",
        help="the demo data set: large (2,000 members) or xlarge (20,000; bench/cache/xlarge.db)",
    )


def prepare_database(*, reseed: bool, scale: str = "large") -> str:
    """The demo data set of ``scale``, made once and kept. A marker file names the database URL
    and a hash of the scale, seeders and migrations: when any changes, the database is made anew."""
    CACHE.mkdir(exist_ok=True)
    url = os.environ.get("HUB_DATABASE_URL") or f"sqlite:///{CACHE / f'{scale}.db'}"
    sources = sorted([*ROOT.glob("hub/**/demo*.py"), *ROOT.glob("migrations/versions/*.py")])
    digest = hashlib.sha256(f"{url} {scale}".encode())
    for source in sources:
        digest.update(source.read_bytes())
    marker = CACHE / f"seeded-{digest.hexdigest()[:16]}"
    sqlite_file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if reseed or not marker.exists():
        # Only this database's markers go: the other scale's file stays seeded.
        seeded_before = [old for old in CACHE.glob("seeded-*") if old.read_text().strip() == url]
        for old in seeded_before:
            old.unlink()
        if sqlite_file:
            remove_sqlite(sqlite_file)
        elif reseed or seeded_before:
            # When asked, or when this bench seeded it before (another scale, older seeders):
            # HUB_DATABASE_URL must name a throwaway database.
            reset_postgres(url)
    env = dict(os.environ, FLASK_APP="wsgi", HUB_ENV="development", HUB_DATABASE_URL=url)
    flask = [str(VENV_BIN / "flask")]
    subprocess.run([*flask, "db", "upgrade"], check=True, env=env, cwd=ROOT)
    if not marker.exists():
        print(f"== seed-demo --scale {scale} (en gång; sparas i bench/cache/)", flush=True)
        started = time.monotonic()
        subprocess.run(
            [*flask, "hub", "seed-demo", "--scale", scale], check=True, env=env, cwd=ROOT
        )
        print(f"   klart på {time.monotonic() - started:.0f} s", flush=True)
        marker.write_text(url + "\n", encoding="utf-8")
    return url


@contextmanager
def fresh_copy(url: str) -> Iterator[str]:
    """A copy of the seeded database ``url`` for one run, removed afterwards; yields its URL.

    A run writes (answers, helpful marks, view counts): read in place, each run would start
    from the data the last one left, its newest questions and answers the bench's own, and the
    planner's choices with them. PostgreSQL: ``CREATE DATABASE <name>_run TEMPLATE <name>``
    (the template must have no other connection); SQLite: the file copied through sqlite3's
    backup (the WAL's pages with it). Seeding and marking stay with ``url`` (``prepare_database``).
    """
    if url.startswith("sqlite:///"):
        original = Path(url.removeprefix("sqlite:///"))
        copy = original.with_name(f"{original.stem}-run{original.suffix}")
        remove_sqlite(copy)
        with closing(sqlite3.connect(original)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)
        try:
            yield f"sqlite:///{copy}"
        finally:
            remove_sqlite(copy)
        return
    from sqlalchemy import make_url

    template = make_url(url)
    copy_url = template.set(database=f"{template.database}_run")
    with postgres_admin(url) as admin:
        quote = admin.dialect.identifier_preparer.quote
        name, source = quote(copy_url.database), quote(template.database)
        admin.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")  # a run stopped before its end
        create_from_template(admin, f"CREATE DATABASE {name} TEMPLATE {source}")
    try:
        yield copy_url.render_as_string(hide_password=False)
    finally:
        with postgres_admin(url) as admin:
            admin.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def postgres_admin(url: str) -> Iterator[Connection]:
    """A connection to the server's ``postgres`` database outside any transaction, for CREATE
    and DROP DATABASE."""
    from sqlalchemy import create_engine, make_url

    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def create_from_template(admin: Connection, sql: str, tries: int = 6) -> None:
    """CREATE DATABASE … TEMPLATE, tried again while someone else is connected to the template
    (the server waits 5 s for them, then refuses)."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(tries):
        try:
            admin.exec_driver_sql(sql)
            return
        except OperationalError as error:
            if "being accessed by other users" not in str(error) or attempt == tries - 1:
                raise
            print("   mallen används av någon annan; försöker igen", flush=True)


def reset_postgres(url: str) -> None:
    """A PostgreSQL benchmark database starts empty, like the SQLite file."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def hub_env(database_url: str) -> dict[str, str]:
    """Production settings, as operators run it; plain HTTP on loopback, so no Secure cookies."""
    settings = {
        "HUB_ENV": "production",
        "HUB_SECRET_KEY": "bench-only-not-secret",
        "HUB_BASE_URL": "http://127.0.0.1",
        "HUB_MAIL_ORGANIZER": "Stafetten <natverket@stafetten.se>",
        "HUB_SESSION_COOKIE_SECURE": "0",
        "HUB_DATABASE_URL": database_url,
    }
    return settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


LOG_SHOWN = 20_000  # characters of the server's log shown when a run stops


@contextmanager
def serve(app: str, env: dict[str, str]) -> Iterator[int]:
    """gunicorn -w 2 -k sync on a free loopback port; yields the port, stops it afterwards."""
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"{HOST}:{port}", app]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=dict(os.environ, **env), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_until_up(port, process, log)
            yield port
        except SystemExit:  # a run stopped (a sign-in answered 500, say): the server's log says why
            log.seek(0)
            print(log.read().decode(errors="replace")[-LOG_SHOWN:], file=sys.stderr)
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until_up(port: int, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 120  # a loaded machine: the app loads for a while
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            sys.exit(f"gunicorn stopped:\n{log.read().decode(errors='replace')}")
        try:
            status, _, _ = request(port, "GET", "/")
        except OSError:
            time.sleep(0.2)
            continue
        if status < 500:
            return
    sys.exit(f"nothing answered on {HOST}:{port} within 120 s")


def request(
    port: int, method: str, path: str, body: str | None = None, headers: dict | None = None
) -> tuple[int, dict[str, list[str]], str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        all_headers: dict[str, list[str]] = {}
        for key, value in response.getheaders():
            all_headers.setdefault(key.lower(), []).append(value)
        return response.status, all_headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def sign_in(port: int) -> str:
    """Signs the demo member in through the login form; the session's Cookie header value."""
    cookie, _ = sign_in_as(port, DEMO_EMAIL)
    return cookie


def sign_in_as(
    port: int, email: str, headers: dict[str, str] | None = None, then: str = "/"
) -> tuple[str, str]:
    """Signs ``email`` in through the login form, sending ``headers`` with every request (an
    address of their own); the session's Cookie header value and the page ``then`` opened after."""
    headers = headers or {}
    status, answer, html = request(port, "GET", "/logga-in", headers=headers)
    cookies = cookie_values(answer)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    if status != 200 or not token:
        sys.exit(f"the login page answered {status} without a CSRF token")
    form = urlencode({"csrf_token": token.group(1), "email": email, "password": DEMO_PASSWORD})
    status, answer, _ = request(
        port,
        "POST",
        "/logga-in",
        body=form,
        headers={
            **headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(cookies),
        },
    )
    if status != 302:
        sys.exit(f"signing in as {email} answered {status}, not a redirect")
    cookies.update(cookie_values(answer))
    # The first page after login puts a new CSRF secret in the session; a browser keeps the
    # updated cookie, and so must the benchmark, or every request would write a new session.
    _, answer, html = request(
        port, "GET", then, headers={**headers, "Cookie": cookie_header(cookies)}
    )
    cookies.update(cookie_values(answer))
    return cookie_header(cookies), html


def cookie_values(headers: dict[str, list[str]]) -> dict[str, str]:
    values = {}
    for line in headers.get("set-cookie", []):
        name, _, rest = line.partition("=")
        values[name.strip()] = rest.split(";", 1)[0]
    return values


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def measure_page(
    name: str, path: str, hub: int, bare: int, cookie: str, duration: int
) -> dict[str, object]:
    """Bare and hub page in turn, at concurrency 8 and then 1, so both see the same machine."""
    status, _, _ = request(hub, "GET", path, headers={"Cookie": cookie})
    print(f"== {name} {path} ({status})", flush=True)
    with wrk_script(cookie) as script:
        for port, target in ((bare, BARE_PATH), (hub, path)):  # warm up both
            run_wrk(port, target, script, connections=2, duration=2)
        bare8 = run_wrk(bare, BARE_PATH, script, connections=8, duration=duration)
        page8 = run_wrk(hub, path, script, connections=8, duration=duration)
        bare1 = run_wrk(bare, BARE_PATH, script, connections=1, duration=duration)
        page1 = run_wrk(hub, path, script, connections=1, duration=duration)
    return {
        "name": name,
        "path": path,
        "status": status,
        "page8": page8,
        "bare8": bare8,
        "page1": page1,
        "bare1": bare1,
    }


@contextmanager
def wrk_script(cookie: str) -> Iterator[Path]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(WRK_SCRIPT % json.dumps(cookie))
    try:
        yield Path(file.name)
    finally:
        Path(file.name).unlink(missing_ok=True)


def run_wrk(port: int, path: str, script: Path, *, connections: int, duration: int) -> Measurement:
    threads = min(connections, 2)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        f"http://{HOST}:{port}{path}",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    data = json.loads(line.removeprefix("RESULT "))
    return Measurement(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        errors=data["status_errors"] + data["socket_errors"],
    )


def format_table(rows: list[dict], database_url: str, duration: int) -> str:
    engine = database_url.split(":", 1)[0]
    lines = [
        f"Körning {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, databas {engine}, "
        f"{duration} s per mätning, gunicorn -w 2 -k sync, inloggad.",
        "",
        "| page | path | status | req/s (c8) | bare req/s (c8) | ratio | p50 ms (c1) "
        "| p95 ms (c1) | bare p95 ms (c1) | errors |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        page8, bare8, page1, bare1 = row["page8"], row["bare8"], row["page1"], row["bare1"]
        ratio = page8.rps / bare8.rps if bare8.rps else 0
        lines.append(
            f"| {row['name']} | `{row['path']}` | {row['status']} | {page8.rps:.0f} "
            f"| {bare8.rps:.0f} | 1/{1 / ratio:.1f} | {page1.p50_ms:.1f} | {page1.p95_ms:.1f} "
            f"| {bare1.p95_ms:.1f} | {page8.errors + page1.errors} |"
            if ratio
            else f"| {row['name']} | `{row['path']}` | {row['status']} | 0 | {bare8.rps:.0f} "
            f"| – | – | – | – | {page8.errors + page1.errors} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
