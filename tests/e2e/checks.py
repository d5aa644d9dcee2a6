"""Checks for the browser tests: accessibility (axe-core), HTML validity (vnu), screenshots,
keyboard focus. A flow calls ``check_page(page, "name")`` after each page it reaches."""

from __future__ import annotations

import functools
import json
import re
import subprocess
from pathlib import Path

from playwright.sync_api import Page

from tests import language

E2E_DIR = Path(__file__).resolve().parent
NODE_MODULES = E2E_DIR / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOT_DIR = E2E_DIR / "screenshots"  # and the saved HTML under html/; not committed
WIDTHS = (390, 1280)  # a phone and a desktop
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Pages saved by check_html; validated together by one vnu run at the end of the session.
saved_pages: dict[str, Path] = {}
html_dir: Path | None = None


def check_page(page: Page, name: str) -> None:
    """The whole set for a page the flow has reached: axe, vnu, tap targets at phone width,
    one language (this one, and the same address in the other), screenshots."""
    check_a11y(page, name)
    check_html(page, name)
    check_tap_targets(page, name)
    check_language(page, name)
    screenshot(page, name)


def check_a11y(page: Page, name: str) -> None:
    """Zero axe-core violations for WCAG 2.1 A and AA."""
    inject_axe(page)
    # Only the violations: collecting the passes too costs time and is never read.
    violations = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})).violations",
        WCAG_TAGS,
    )
    assert not violations, f"axe: {name} ({page.url}):\n" + format_violations(violations)


def inject_axe(page: Page) -> None:
    """axe-core into the page. The strict CSP (rightly) refuses ``add_script_tag``'s inline script,
    so the source is evaluated through the DevTools protocol, which CSP does not govern: the page
    keeps its real CSP, and a violation by the page itself still fails the test."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("() => {\n" + axe_source() + "\n}")
    assert page.evaluate("() => typeof window.axe === 'object'"), "axe-core was not injected"


@functools.cache
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:200]}")
            summary = node.get("failureSummary") or ""
            lines.extend(f"      {line}" for line in summary.splitlines())
    return "\n".join(lines)


def check_html(page: Page, name: str) -> None:
    """Save the page; ``validate_saved_pages`` checks them all with one vnu run."""
    assert html_dir is not None, "the e2e session fixture sets the folder"
    assert name not in saved_pages, f"two pages are called {name!r}"
    path = html_dir / f"{slug(name)}.html"
    path.write_text(page.content(), encoding="utf-8")
    saved_pages[name] = path


# A page vnu must find fault with, validated along with the real ones: the checker is shown to
# work without a second start of the Java VM (several seconds on a loaded machine).
BAD_PAGE = """<!doctype html><html><head><title>x</title></head><body>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text"><p><div></body></html>"""
BAD_PAGE_NAME = "known bad page"


def validate_saved_pages() -> None:
    """One run of the Nu HTML checker over every saved page; zero errors is the bar."""
    if not saved_pages:
        return
    assert html_dir is not None
    bad = html_dir / "known-bad-page.html"
    bad.write_text(BAD_PAGE, encoding="utf-8")
    errors = html_errors({**saved_pages, BAD_PAGE_NAME: bad})
    found = [line for line in errors if line.startswith(f"- {BAD_PAGE_NAME} ")]
    assert any("Unclosed element" in line for line in found), f"vnu missed the bad page: {errors}"
    errors = without_page(errors, BAD_PAGE_NAME)
    assert not errors, f"vnu: {len(errors)} errors in {len(saved_pages)} pages:\n" + "\n".join(
        errors
    )


def without_page(lines: list[str], name: str) -> list[str]:
    """The error lines (each with its indented extract) that are not about the named page."""
    kept: list[str] = []
    keep = True
    for line in lines:
        if line.startswith("- "):
            keep = not line.startswith(f"- {name} ")
        if keep:
            kept.append(line)
    return kept


def html_errors(pages: dict[str, Path]) -> list[str]:
    """The Nu HTML checker's errors for the files, one readable line each (plus the extract)."""
    names = {str(path.resolve()): name for name, path in pages.items()}
    command = ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *names]
    result = subprocess.run(  # noqa: S603  (fixed command, our own files)
        command, capture_output=True, text=True, timeout=300, check=False
    )
    try:
        report = json.loads(result.stderr or result.stdout)
    except json.JSONDecodeError:
        return [f"vnu did not run (exit {result.returncode}): {result.stderr[-2000:]}"]
    lines = []
    for message in report["messages"]:
        if message.get("type") not in {"error", "non-document-error"}:
            continue
        file = str(Path(message.get("url", "").removeprefix("file:")).resolve())
        lines.append(
            f"- {names.get(file, file)} line {message.get('lastLine')}: {message['message']}"
        )
        if message.get("extract"):
            lines.append(f"    {message['extract']!r}")
    return lines


def screenshot(page: Page, name: str) -> None:
    """Full-page screenshots at phone and desktop widths, for people to look at."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    original = page.viewport_size
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=SCREENSHOT_DIR / f"{slug(name)}-{width}.png", full_page=True)
    finally:
        if original:
            page.set_viewport_size(original)


TABBABLE = (
    "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), "
    "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])"
)

DESCRIBE_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const all = [...document.querySelectorAll(%s)].filter((e) => {
        const s = getComputedStyle(e);
        return s.display !== 'none' && s.visibility !== 'hidden' && e.getClientRects().length;
    });
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow && s.boxShadow !== 'none';
    return {
        index: all.indexOf(el),
        count: all.length,
        visible: Boolean(outline || shadow),
        label: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + ' ' + (el.innerText || el.value || el.name || el.getAttribute('aria-label') || '')
                .trim().slice(0, 40),
    };
}""" % json.dumps(TABBABLE)  # noqa: UP031  (the JS is full of braces)


def check_keyboard(page: Page, *, max_steps: int = 150) -> list[str]:
    """Tab through the page from the top, as a keyboard user does. Every stop must show a visible
    focus (an outline or a box shadow) and the stops must follow the DOM order. Returns the
    labels of the stops, so a flow can assert that the fields it cares about are among them."""
    # Move the sequential focus starting point to the top of the document.
    page.evaluate(
        """() => {
            const root = document.documentElement;
            root.tabIndex = -1;
            root.focus();
            root.removeAttribute('tabindex');
            window.scrollTo(0, 0);
        }"""
    )
    positive = page.evaluate(
        "() => [...document.querySelectorAll('[tabindex]')].filter((e) => e.tabIndex > 0)"
        ".map((e) => e.outerHTML.slice(0, 80))"
    )
    assert not positive, f"a positive tabindex takes focus out of the DOM order: {positive}"
    stops: list[str] = []
    for _step in range(max_steps):
        page.keyboard.press("Tab")
        focus = page.evaluate(DESCRIBE_FOCUS)
        if focus is None or (stops and focus["index"] == 0):
            break  # left the document, or wrapped around to the first stop
        expected_index = len(stops)
        stops.append(focus["label"])
        assert focus["visible"], f"no visible focus on {focus['label']!r} at {page.url}"
        assert focus["index"] == expected_index, (
            f"tab order leaves the DOM order at {focus['label']!r} (stop {len(stops)}, "
            f"DOM position {focus['index']}, expected {expected_index}) at {page.url}"
        )
        if len(stops) == focus["count"]:
            break
    assert stops, f"nothing on {page.url} takes keyboard focus"
    return stops


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


TAP_TARGETS = """(minimum) => {
    const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
        + ' [role=button], [tabindex]:not([tabindex="-1"])';
    const small = [];
    for (const el of document.querySelectorAll(selector)) {
        const style = getComputedStyle(el);
        const gone = style.display === 'none' || style.visibility === 'hidden';
        if (gone || !el.getClientRects().length) continue;
        // People's own words (Markdown in posts) may hold links inside sentences: WCAG 2.5.5's
        // "inline" exception, and the only one; everything the hub draws itself must be big enough.
        if (el.closest('.post-body, .prose, [data-inline-links]') && el.tagName === 'A') continue;
        let box = el.getBoundingClientRect();
        if (box.right <= 0) continue;  // off screen until focused (the skip link)
        // Visually hidden (a radio drawn as a big label): the label is the target.
        if (box.width <= 1 && box.height <= 1) continue;
        if (el.type === 'checkbox' || el.type === 'radio') {
            // The label is part of the target: a tap on it ticks the box.
            const label = el.closest('label')
                || (el.id && document.querySelector(`label[for="${el.id}"]`));
            if (label) {
                const l = label.getBoundingClientRect();
                const left = Math.min(box.left, l.left), right = Math.max(box.right, l.right);
                const top = Math.min(box.top, l.top), bottom = Math.max(box.bottom, l.bottom);
                box = {width: right - left, height: bottom - top};
            }
        }
        if (box.width + 0.5 < minimum || box.height + 0.5 < minimum) {
            const text = (el.innerText || el.value || el.name
                || el.getAttribute('aria-label') || '').trim().slice(0, 40);
            const id = el.id ? '#' + el.id : '';
            const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
            small.push(`${el.tagName.toLowerCase()}${id} "${text}" ${size}`);
        }
    }
    return small;
}"""
TAP_MINIMUM = 44  # px, WCAG 2.5.5 (AAA) and what a thumb between two tasks needs


def check_tap_targets(page: Page, name: str, *, width: int = 390) -> None:
    """Every link, button and field is at least 44×44 px at phone width, measured in the browser."""
    original = page.viewport_size
    try:
        page.set_viewport_size({"width": width, "height": 800})
        small = page.evaluate(TAP_TARGETS, TAP_MINIMUM)
    finally:
        if original:
            page.set_viewport_size(original)
    assert not small, f"tap targets under {TAP_MINIMUM} px on {name} ({page.url}):\n" + "\n".join(
        small
    )


def page_language_problems(page: Page) -> list[str]:
    found = page.evaluate(language.EXTRACT_JS, language.EXTRACT_ARGS)
    return language.problems(found["lang"], found["texts"], found["ui"])


def check_language(page: Page, name: str) -> None:
    """The page is all in its language (see tests/language.py), and so is the same address in
    the other language: the switch in the footer is used for a second tab and put back after."""
    problems = page_language_problems(page)
    assert not problems, f"language on {name} ({page.url}):\n" + "\n".join(problems)
    token = page.locator(".language-switch input[name=csrf_token]")
    if not token.count():
        return
    own = page.evaluate("() => document.documentElement.lang")
    other = "en" if own == "sv" else "sv"
    csrf = token.first.get_attribute("value") or ""
    switch = page.context.request.post
    switch("/sprak", form={"csrf_token": csrf, "locale": other, "next": "/"}, max_redirects=0)
    second = page.context.new_page()
    try:
        response = second.goto(page.url)
        if response is not None and response.ok:
            problems = page_language_problems(second)
            assert second.evaluate("() => document.documentElement.lang") == other
            assert not problems, f"language on {name} in {other} ({page.url}):\n" + "\n".join(
                problems
            )
    finally:
        second.close()
        switch("/sprak", form={"csrf_token": csrf, "locale": own, "next": "/"}, max_redirects=0)
