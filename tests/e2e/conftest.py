"""Browser tests: the real app on a real server on loopback, driven by Debian's Chromium.

The server has its own database (a fresh SQLite file, or ``E2E_DATABASE_URL`` on the PostgreSQL
pass), migrated and filled with ``flask hub seed-demo``, because the server's threads commit for
real. Every page a test opens may load from that server only; a request to any other origin is
refused and fails the test, and so does a Content Security Policy violation or a script error.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from config import TestConfig
from hub import create_app
from hub.extensions import db
from tests.e2e import checks

# Debian's Chromium, never a downloaded browser.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_EMAIL = "ambassador@demo.stafetten.se"
DEMO_PASSWORD = "stafetten-demo"  # published in the README on purpose


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e_dir = Path(__file__).parent
    for item in items:
        if e2e_dir in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def missing_tools() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(str(CHROMIUM))
    if not checks.AXE_JS.exists() or not checks.VNU_JAR.exists():
        missing.append("tests/e2e/node_modules (npm ci --ignore-scripts in tests/e2e)")
    if shutil.which("java") is None:
        missing.append("java")
    return missing


@pytest.fixture(scope="session")
def e2e_tools() -> None:
    missing = missing_tools()
    if missing:
        message = "browser tests need " + ", ".join(missing)
        if os.environ.get("E2E_REQUIRED"):  # scripts/test installs them: missing is a failure
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("E2E_DATABASE_URL")
    if url:
        from tests.conftest import reset_postgres_schema, worker_database

        if worker := os.environ.get("PYTEST_XDIST_WORKER"):
            url = worker_database(url, worker)  # each worker's live server has its own
        reset_postgres_schema(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"


@pytest.fixture(scope="session")
def live_app(e2e_tools, e2e_database_url: str, tmp_path_factory) -> Iterator[Flask]:
    """The app behind the live server, migrated and seeded with the demo. Tests may use it to
    look at what the server wrote (``with live_app.app_context(): ...``, e.g. the outbox for a
    confirmation link) or run a command (``live_app.test_cli_runner().invoke(args=[...])``)."""
    config = type(
        "E2EConfig",
        (TestConfig,),
        {
            "TESTING": False,  # the real error pages, as people see them
            "SERVER_NAME": None,
            "SQLALCHEMY_DATABASE_URI": e2e_database_url,
            "MAIL_FILE_DIR": str(tmp_path_factory.mktemp("mail")),
            "MATERIAL_STORAGE_DIR": str(tmp_path_factory.mktemp("material")),
        },
    )
    app = create_app(config)
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["hub", "seed-demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, f"flask {' '.join(args)}: {result.output}{result.exception}"
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The hub on a real (threaded werkzeug) server on a free loopback port; yields its origin."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    live_app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # links in mail
    try:
        yield live_app.config["BASE_URL"]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser(e2e_tools) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session", autouse=True)
def html_validation() -> Iterator[None]:
    """Pages saved by ``check_html`` during the session are validated by one vnu run at the end."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    checks.html_dir = checks.SCREENSHOT_DIR / (f"html-{worker}" if worker else "html")
    shutil.rmtree(checks.html_dir, ignore_errors=True)
    checks.html_dir.mkdir(parents=True)
    checks.saved_pages.clear()
    yield
    checks.validate_saved_pages()


class PageGuard:
    """What a page did that it must not: other origins, CSP violations, script errors."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.foreign: list[str] = []
        self.problems: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == self.origin or parts.scheme in {"data", "blob"}:
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort("blockedbyclient")

    def console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def page_error(self, error) -> None:
        self.problems.append(f"script error: {error}")

    def assert_clean(self) -> None:
        assert not self.foreign, "the page tried to load from other origins: " + ", ".join(
            self.foreign
        )
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def page(browser, live_server: str) -> Iterator:
    """A fresh browser context (no cookies) per test, at desktop width, Swedish."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 800}, locale="sv-SE"
    )
    context.set_default_timeout(10_000)
    guard = PageGuard(live_server)
    context.route("**/*", guard.route)
    page = context.new_page()
    page.on("console", guard.console)
    page.on("pageerror", guard.page_error)
    try:
        yield page
    finally:
        context.close()
    guard.assert_clean()


@pytest.fixture(scope="session")
def session_cookies() -> dict[tuple[str, str], list]:
    """Cookies of a successful sign-in, per account, shared by the tests of the session."""
    return {}


@pytest.fixture
def sign_in(page, session_cookies):
    """``sign_in(email=..., password=...)`` through the login form; by default the demo
    ambassador. An account signed in before in the session gets its cookies back instead
    (the form costs a second a time on a loaded machine); if those no longer work (someone
    signed out, which ends every session of the account), the form again."""

    def do_sign_in(email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> None:
        key = (email, password)
        if key in session_cookies:
            page.context.clear_cookies()
            page.context.add_cookies(session_cookies[key])
            page.goto("/")
            if page.get_by_role("button", name="Logga ut").count():
                return
            del session_cookies[key]
        page.goto("/logga-in")
        page.get_by_label("E-postadress").fill(email)
        page.get_by_label("Lösenord").fill(password)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_load_state()
        if page.get_by_role("button", name="Logga ut").count():
            session_cookies[key] = page.context.cookies()

    return do_sign_in
