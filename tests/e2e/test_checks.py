"""The checkers themselves find what they are there to find, so a green run means something."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page

from tests.e2e.checks import (
    BAD_PAGE,
    check_a11y,
    check_keyboard,
    check_tap_targets,
    without_page,
)
from tests.e2e.conftest import PageGuard

# They do not touch the database: once, in the SQLite pass, is enough.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("E2E_DATABASE_URL")), reason="checked in the SQLite pass"
)


def test_axe_finds_violations(page: Page) -> None:
    page.set_content(BAD_PAGE)
    with pytest.raises(AssertionError) as failure:
        check_a11y(page, "bad")
    message = str(failure.value)
    assert "image-alt" in message and "html-has-lang" in message and "label" in message


def test_vnu_error_lines_are_grouped_by_page() -> None:
    # vnu itself is shown to find errors by the known bad page in the session's one run.
    lines = ["- a line 1: x", "    'extract'", "- b line 2: y", "- a line 3: z"]
    assert without_page(lines, "a") == ["- b line 2: y"]


def test_keyboard_check_finds_invisible_focus(page: Page) -> None:
    page.set_content(
        '<!doctype html><html lang="sv"><head><style>a:focus{outline:none}</style></head>'
        '<body><a href="#a">ett</a></body></html>'
    )
    with pytest.raises(AssertionError, match="no visible focus"):
        check_keyboard(page)


def test_keyboard_check_finds_tab_order_against_the_dom(page: Page) -> None:
    page.set_content(
        '<!doctype html><html lang="sv"><body><a href="#a">ett</a>'
        '<a href="#b" tabindex="2">två</a></body></html>'
    )
    with pytest.raises(AssertionError, match="DOM order"):
        check_keyboard(page)


def test_tap_target_check_measures_in_the_browser(page: Page) -> None:
    page.set_content(
        '<!doctype html><html lang="sv"><body>'
        '<a href="#a" style="display:inline-block;padding:14px">stor</a>'
        '<p class="post-body">Text med <a href="#b">en länk</a> i.</p>'
        '<label style="display:block;padding:12px"><input type="checkbox"> ja</label>'
        '<button style="font-size:10px;padding:0">liten</button></body></html>'
    )
    with pytest.raises(AssertionError, match=r"button \"liten\" \d+×\d+") as failure:
        check_tap_targets(page, "small")
    assert "stor" not in str(failure.value) and "länk" not in str(failure.value)
    assert "checkbox" not in str(failure.value) and "input" not in str(failure.value)


def test_foreign_origins_are_refused(browser, live_server: str) -> None:
    # Another origin on loopback, so nothing could leave the machine even if the guard failed;
    # CSP is bypassed here so that it is the guard, not the page's CSP, that stops the request.
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    guard = PageGuard(live_server)
    context.route("**/*", guard.route)
    try:
        page = context.new_page()
        page.goto("/")
        result = page.evaluate(
            "async () => { try { await fetch('http://127.0.0.2:9/x'); return 'loaded'; }"
            " catch (e) { return 'refused'; } }"
        )
    finally:
        context.close()
    assert result == "refused"
    assert guard.foreign == ["http://127.0.0.2:9/x"]
    with pytest.raises(AssertionError, match="other origins"):
        guard.assert_clean()


def test_csp_violations_are_caught(browser, live_server: str) -> None:
    context = browser.new_context(base_url=live_server)
    guard = PageGuard(live_server)
    try:
        page = context.new_page()
        page.on("console", guard.console)
        page.goto("/")
        with pytest.raises(Exception, match="Content Security Policy"):
            page.add_script_tag(content="document.title = 'inline';")
        page.wait_for_timeout(200)  # the console message arrives after the exception
    finally:
        context.close()
    with pytest.raises(AssertionError, match="CSP"):
        guard.assert_clean()
