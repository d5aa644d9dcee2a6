"""Is a page all in its own language? Swedish left in an English page (untranslated messages,
reference data, Swedish dates) and English or database words in a Swedish page (translations
used in the wrong place, column names, ``snake_case`` identifiers).

Shared by the browser tests (``tests/e2e/checks.py`` reads the rendered page, scripts' texts
included) and the quick tests (``tests/i18n/test_page_language.py`` parses the HTML the test
client gets). What people wrote themselves (posts, presentations, agendas, titles, topic words)
is in the language they wrote it in, and so is text stored when something happened
(notifications are stored in Swedish), so it is left out: the elements of
``USER_CONTENT_CLASSES``, members' ``.tag`` words, and anything marked with a ``lang`` of its
own (the language switch's "English" on a Swedish page).

The catalogue is the word list: a Swedish msgid whose English differs must not be the whole text
of an element on an English page, and such an English msgstr must not be one on a Swedish page.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

ENGLISH_PO = (
    Path(__file__).resolve().parents[1]
    / "hub"
    / "translations"
    / "en"
    / "LC_MESSAGES"
    / "messages.po"
)
USER_CONTENT_CLASSES = ("post-body", "prose", "user-content")
# Members' own topic words (.tag) too, but not the hub's labels drawn the same way (.tag-area).
USER_TAG_SELECTOR = ".tag:not(.tag-area, .tag-baton, .tag-cancelled)"
SKIPPED_TAGS = ("script", "style", "template", "textarea", "pre", "code", "svg")
# Texts that are the hub's own words, never people's: where a leftover word is surely a mistake.
# (Not <option>: a list to choose from is mostly data, names of places, meetings and people.)
UI_TAGS = ("button", "label", "legend", "th", "summary", "caption", "dt")
UI_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
SWEDISH_DATES = re.compile(
    r"\bkl\.\s?\d|\b\d{1,2} (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober"
    r"|november|december)\b|\b(?i:måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag)(en)?\b"
    r"|\b\d+ (minuter|timmar|dagar|veckor|månader|år) sedan\b"
)  # Swedish writes months in lower case, English capitalises them
ENGLISH_DATES = re.compile(
    r"\b(January|February|March|June|July|August|October|Monday|Tuesday|Wednesday|Thursday"
    r"|Friday|Saturday|Sunday)\b|\b\d+ (minutes|hours|days|weeks|months|years) ago\b"
)
# Database and programming words: a column name or a value such as ``answer_posted``.
IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b|^(True|False|None|null|true|false)$")
SWEDISH_WORDS = frozenset(
    (  # noqa: SIM905  (a word list reads best as words)
        "och att för inte eller med från till på av är din ditt dina här som alla ingen inga "
        "visa spara sök skicka ändra avbryt namn rubrik fråga frågor svar träff träffar kommun "
        "nätverk"
    ).split()
)
ENGLISH_WORDS = frozenset(
    (  # noqa: SIM905  (a word list reads best as words)
        "the and your you with please click yes no none name email date created updated download "
        "delete edit save cancel search submit settings answers questions meeting meetings"
    ).split()
)
WORD = re.compile(r"[^\W\d_]+")


@functools.cache
def catalogue() -> tuple[frozenset[str], frozenset[str], tuple[re.Pattern[str], ...]]:
    """Swedish texts that must not be on English pages, English ones that must not be on Swedish
    pages, and the Swedish messages with placeholders as patterns (long enough to be sure)."""
    with ENGLISH_PO.open("rb") as file:
        messages = [m for m in read_po(file) if m.id and isinstance(m.id, str) and m.string]
    swedish = {m.id.strip() for m in messages if m.string.strip() != m.id.strip()}
    english = {m.string.strip() for m in messages if m.string.strip() != m.id.strip()}
    every_swedish = {m.id.strip() for m in messages}
    patterns = []
    for text in swedish:
        literal = PLACEHOLDER.sub("", text)
        # Long enough to be sure: a title the hub once suggested ("Nästa träff i %(network)s")
        # and someone saved is content by now, in the language it was saved in.
        if text != literal and len(literal.strip()) >= 20:
            parts = [re.escape(part) for part in PLACEHOLDER.split(text)[::2]]
            # A value is a name or a number: it does not run on into another sentence.
            patterns.append(re.compile(r"[^.:!?\n]{1,80}?".join(parts)))
    plain = frozenset(t for t in swedish if not PLACEHOLDER.search(t) and t not in english)
    return plain, frozenset(english - every_swedish), tuple(patterns)


def problems(lang: str, texts: list[str], ui_texts: list[str]) -> list[str]:
    """What is in the wrong language, one line each; ``texts`` are every text chunk the hub
    wrote, ``ui_texts`` those from its buttons, labels, headers and such."""
    swedish, english, patterns = catalogue()
    found: list[str] = []
    for text in {t.strip() for t in texts if t.strip()}:
        if lang == "en":
            if text in swedish or any(p.fullmatch(text) for p in patterns):
                found.append(f"Swedish message: {text!r}")
            elif SWEDISH_DATES.search(text):
                found.append(f"Swedish date: {text!r}")
        else:
            if text in english:
                found.append(f"English message: {text!r}")
            elif ENGLISH_DATES.search(text):
                found.append(f"English date: {text!r}")
            elif IDENTIFIER.search(text):
                found.append(f"database word: {text!r}")
    words = SWEDISH_WORDS if lang == "en" else ENGLISH_WORDS
    for text in {t.strip() for t in ui_texts if t.strip()}:
        wrong = [w for w in WORD.findall(text) if w.lower() in words]
        if wrong:
            found.append(
                f"{'Swedish' if lang == 'en' else 'English'} word {wrong[0]!r} in {text!r}"
            )
    return sorted(set(found))


class PageTexts(HTMLParser):
    """The texts of an HTML page the way ``EXTRACT_JS`` finds them in a browser."""

    VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())  # noqa: SIM905

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = "sv"
        self.stack: list[tuple[str, bool, bool]] = []  # tag, skipped, ui
        self.texts: list[str] = []
        self.ui_texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang", "sv")
            return
        parent_skipped, parent_ui = self.stack[-1][1:] if self.stack else (False, False)
        classes = values.get("class", "").split()
        skipped = (
            parent_skipped
            or tag in SKIPPED_TAGS
            or any(c in classes for c in USER_CONTENT_CLASSES)
            or ("tag" in classes and not any(c.startswith("tag-") for c in classes))
            or ("lang" in values and values["lang"] != self.lang)
        )
        if not skipped:
            self.ui_texts.extend(values[name] for name in UI_ATTRIBUTES if values.get(name))
            if tag == "input" and values.get("type") in {"submit", "button"}:
                self.ui_texts.append(values.get("value", ""))
        if tag not in self.VOID:
            self.stack.append((tag, skipped, parent_ui or tag in UI_TAGS))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        tag, skipped, ui = self.stack[-1] if self.stack else ("", False, False)
        if skipped or tag == "title" or not data.strip():
            return
        self.texts.append(data)
        if ui:
            self.ui_texts.append(data)


def html_problems(html: str) -> list[str]:
    parser = PageTexts()
    parser.feed(html)
    return problems(parser.lang, parser.texts, parser.ui_texts)


# The same in a browser: the rendered page, with what the scripts added.
EXTRACT_JS = """([userContent, skippedTags, uiTags, uiAttributes, userTag]) => {
    const lang = document.documentElement.lang || 'sv';
    const skipSelector = [...userContent.map((c) => '.' + c), ...skippedTags, userTag,
        `[lang]:not([lang="${lang}"])`].join(',');
    const uiSelector = uiTags.join(',');
    const texts = [], ui = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!node.data.trim() || parent.closest(skipSelector)) continue;
        texts.push(node.data);
        if (parent.closest(uiSelector)) ui.push(node.data);
    }
    for (const el of document.body.querySelectorAll('*')) {
        if (el.closest(skipSelector)) continue;
        for (const name of uiAttributes) if (el.getAttribute(name)) ui.push(el.getAttribute(name));
        if (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type)) ui.push(el.value);
    }
    return {lang, texts, ui};
}"""
EXTRACT_ARGS = [
    list(USER_CONTENT_CLASSES),
    list(SKIPPED_TAGS),
    list(UI_TAGS),
    list(UI_ATTRIBUTES),
    USER_TAG_SELECTOR,
]
