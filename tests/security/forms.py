"""Find the forms on a page and fill them with hostile values."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"

# kind -> value put in every free-text field
HOSTILE = {
    "empty": "",
    "long": "lång text " * 1000,  # 10,000 characters
    "unicode": "\u200fمرحبا\u200e a\u200db 👩\u200d⚕️🇸🇪 e\u0301\u0308 \ufeff\u202eRTL",
    "nul": "före\x00efter",
    "html": f"{SCRIPT}{IMG} [länk]({JS_URL}) <a href='{JS_URL}'>x</a>",
    "javascript_url": JS_URL,
    "sql": "' OR 1=1 --\"; DROP TABLE user; --",
    "wrong_type": "Hej",  # text is normal; numbers, dates and choices get nonsense
    "crlf": "rad ett\r\nSet-Cookie: kaka=1\rrad tre\u2028",
    # Numbers everywhere a number or an id can go (hidden ids and choices too):
    "id_2_31": str(2**31),  # one past PostgreSQL's integer
    "id_2_63": str(2**63),  # one past SQLite's (and PostgreSQL's bigint)
    "non_ascii_digits": "²³",  # str.isdigit() says yes, int() says no
}
NUMBER_KINDS = {"id_2_31", "id_2_63", "non_ascii_digits"}

TEXT_TYPES = {"text", "search", "email", "url", "tel", "password", "textarea", None, ""}
TYPED_VALUES = {
    "number": "5",
    "date": "2027-03-15",
    "time": "13:00",
    "datetime-local": "2027-03-15T13:00",
    "month": "2027-03",
    "color": "#336699",
    "range": "5",
}
WRONG_VALUES = {"number": "fem", "date": "den femtonde", "time": "25:99"}


@dataclass
class Field:
    tag: str
    name: str
    type: str
    value: str
    options: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class Form:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)
    enctype: str = ""


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(
                a.get("method", "get").lower(), a.get("action", ""), enctype=a.get("enctype", "")
            )
            self.forms.append(self._form)
        elif self._form is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            checked = "checked" in a
            self._form.fields.append(Field(tag, a["name"], kind, a.get("value", ""), [], checked))
        elif tag == "button":
            self._form.fields.append(Field(tag, a["name"], "submit", a.get("value", "")))
        elif tag == "textarea":
            self._textarea = Field(tag, a["name"], "textarea", "")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(tag, a["name"], "select", "")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def find_forms(html: str, page_url: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.action = urljoin(page_url, form.action or page_url)
    return parser.forms


def fill(form: Form, kind: str) -> dict[str, str | list[str]]:
    """Every field gets a value: free text the hostile one; typed fields a sensible value, or
    nonsense when the kind is ``wrong_type``; hidden fields (the CSRF token) keep theirs."""
    data: dict[str, list[str]] = {}
    text = HOSTILE[kind]
    submits = []
    for f in form.fields:
        if f.type == "file":
            continue
        if f.type in ("submit", "button", "image", "reset"):
            submits.append(f)
            continue
        if f.type == "hidden" and kind in NUMBER_KINDS and f.name != "csrf_token":
            value = text
        elif f.type == "hidden":
            value = f.value
        elif f.type in ("checkbox", "radio"):
            if f.type == "radio" and f.name in data:
                continue
            value = f.value or "y"
        elif f.type == "select":
            choices = [option for option in f.options if option]
            value = choices[0] if choices and kind != "wrong_type" else "finns-inte-999"
            value = text if kind in NUMBER_KINDS else value
        elif f.type in TEXT_TYPES:
            value = text
        elif kind == "wrong_type":
            value = WRONG_VALUES.get(f.type, text)
        elif kind in NUMBER_KINDS and f.type in ("number", "range"):
            value = text
        else:
            value = TYPED_VALUES.get(f.type, text)
        data.setdefault(f.name, []).append(value)
    if submits and submits[0].name:
        data.setdefault(submits[0].name, []).append(submits[0].value)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


class LiveMarkupFinder(HTMLParser):
    """Markup that would run: a script holding the injected code, an event-handler attribute,
    a javascript: URL. Parsed, so escaped text inside attribute values does not count."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            elif name in URL_ATTRIBUTES and value.replace("\t", "").startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value[:40]}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(1)" in data:
            self.found.append(f"<script>{data[:40]}")


def live_markup(html: str) -> list[str]:
    """Places in the response where hostile markup would run."""
    finder = LiveMarkupFinder()
    finder.feed(html)
    return finder.found
