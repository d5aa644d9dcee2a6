"""Reading a message: sender, text, calendar parts, delivery reports. Never raises on bad MIME.

Python's ``email`` package (policy=default) parses; what it cannot make sense of comes back as
empty text or None, and the receiver records why the message was not used.
"""

from __future__ import annotations

import hashlib
import re
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import default
from email.utils import getaddresses
from html.parser import HTMLParser

AUTO_SUBJECTS = re.compile(
    r"^\s*(frånvaro|autosvar|automatiskt svar|automatic reply|auto[- ]?reply|out of (the )?office"
    r"|abwesend|abwesenheitsnotiz|fraværende|poissa)",
    re.IGNORECASE,
)


def parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=default)  # type: ignore[return-value]


def parse_headers(raw: bytes) -> EmailMessage:
    """Only the header block: quick, for storing a message before it is handled."""
    return BytesParser(policy=default).parsebytes(raw, headersonly=True)  # type: ignore[return-value]


# Headers the MTAs on the way add: a message delivered twice may differ in them and nothing else.
TRACE_HEADERS = {
    b"received",
    b"received-spf",
    b"return-path",
    b"delivered-to",
    b"x-original-to",
    b"authentication-results",
}


def content_digest(raw: bytes) -> str:
    """SHA-256 of the message without trace headers and with LF line ends: the same for one
    message however often and by whichever route it is delivered, different for another."""
    head, separator, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    kept: list[bytes] = []
    skipping = False
    for line in head.split(b"\n"):
        if line[:1] not in (b" ", b"\t"):  # a header's first line; others continue it
            name = line.split(b":", 1)[0].strip().lower()
            skipping = name in TRACE_HEADERS or name.startswith(b"x-spam-")
        if not skipping:
            kept.append(line)
    return hashlib.sha256(b"\n".join(kept) + separator + body).hexdigest()


def header(message: Message, name: str) -> str:
    """A header as text; a header too broken to decode is read as empty."""
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError):
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def sender_address(message: Message) -> str:
    """The From address, lower case; empty when there is none or more than one."""
    addresses = [addr for _name, addr in getaddresses([header(message, "From")]) if "@" in addr]
    return addresses[0].strip().lower() if len(addresses) == 1 else ""


def is_automatic(message: Message) -> bool:
    """An out-of-office or other automatic reply (RFC 3834 and what Exchange and others add)."""
    auto_submitted = header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if header(message, "X-Autoreply") or header(message, "X-Autorespond"):
        return True
    if header(message, "Precedence").lower() in {"auto_reply", "bulk", "junk", "list"}:
        return True
    return bool(AUTO_SUBJECTS.match(header(message, "Subject")))


def _parts(message: Message):
    try:
        yield from message.walk()
    except (ValueError, TypeError, AttributeError):  # a broken multipart tree
        return


def _content(part: Message) -> str | bytes | None:
    try:
        return part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, TypeError, AttributeError, AssertionError):
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload.decode("utf-8", errors="replace")
        return None


def body_text(message: Message) -> str:
    """What the person wrote, as plain text: the text part, else the HTML part's text."""
    plain, html = None, None
    for part in _parts(message):
        if part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            content = _content(part)
            plain = content if isinstance(content, str) else None
        elif kind == "text/html" and html is None:
            content = _content(part)
            html = content if isinstance(content, str) else None
    if plain and plain.strip():
        return normalise(plain)
    if html:
        return normalise(html_to_text(html))
    return ""


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


class _TextExtractor(HTMLParser):
    """Text of an HTML mail; scripts, styles and the head are dropped, blocks become lines."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "hr"})
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.chunks.append("\n")
        if tag == "blockquote":
            self.quote_depth += 1
        # Gmail's and Outlook's quoted history: everything from here on is the old mail.
        classes = dict(attrs).get("class") or ""
        ids = dict(attrs).get("id") or ""
        if "gmail_quote" in classes or ids in {"divRplyFwdMsg", "appendonsend"}:
            self.chunks.append("\n\x00QUOTE\x00\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.chunks.append("\n")
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.quote_depth:
            data = "\n".join("> " + line for line in data.split("\n"))
        self.chunks.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (ValueError, AssertionError):
        pass
    text = "".join(parser.chunks)
    text = text.split("\x00QUOTE\x00")[0]
    return re.sub(r"\n{3,}", "\n\n", text)


def calendar_parts(message: Message) -> list[bytes]:
    """Every text/calendar part, also those inside Outlook's winmail.dat (TNEF)."""
    found: list[bytes] = []
    for part in _parts(message):
        kind = part.get_content_type()
        filename = (part.get_filename() or "").lower() if _safe_filename(part) else ""
        if kind == "text/calendar" or filename.endswith(".ics"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload:
                found.append(payload)
        elif kind == "application/ms-tnef" or filename == "winmail.dat":
            found.extend(tnef_calendars(part.get_payload(decode=True)))
    return found


def _safe_filename(part: Message) -> bool:
    try:
        part.get_filename()
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def _tnef(data: bytes | None):
    if not data:
        return None
    from tnefparse import TNEF

    try:
        return TNEF(data)
    except Exception:
        return None


# Outlook's meeting responses in a winmail.dat carry no iCalendar, only the message class.
TNEF_RESPONSES = {
    "ipm.schedule.meeting.resp.pos": "ACCEPTED",
    "ipm.schedule.meeting.resp.neg": "DECLINED",
    "ipm.schedule.meeting.resp.tent": "TENTATIVE",
}
TNEF_MESSAGE_CLASS = 0x8008


def tnef_response(message: Message) -> str | None:
    """ACCEPTED, DECLINED or TENTATIVE from a winmail.dat meeting response, else None."""
    for part in _parts(message):
        filename = (part.get_filename() or "").lower() if _safe_filename(part) else ""
        if part.get_content_type() != "application/ms-tnef" and filename != "winmail.dat":
            continue
        tnef = _tnef(part.get_payload(decode=True))
        for prop in getattr(tnef, "msgprops", []):
            if prop.name == TNEF_MESSAGE_CLASS and isinstance(prop.data, str):
                return TNEF_RESPONSES.get(prop.data.strip().lower())
    return None


def tnef_calendars(data: bytes | None) -> list[bytes]:
    """Calendar files inside a winmail.dat: an attachment, or the body Outlook put there."""
    tnef = _tnef(data)
    if tnef is None:
        return []
    found = []
    for attachment in tnef.attachments:
        name = (attachment.long_filename() or attachment.name or "").lower()
        if name.endswith(".ics") or b"BEGIN:VCALENDAR" in (attachment.data or b"")[:200]:
            found.append(attachment.data)
    for body in (tnef.body, getattr(tnef, "htmlbody", None)):
        if isinstance(body, bytes) and b"BEGIN:VCALENDAR" in body:
            found.append(body[body.index(b"BEGIN:VCALENDAR") :])
    return found


def delivery_reports(message: Message) -> list[dict[str, str]]:
    """The per-recipient fields of an RFC 3464 report (``message/delivery-status``)."""
    reports: list[dict[str, str]] = []
    for part in _parts(message):
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        # The first block is about the message, the others one per recipient.
        for block in blocks[1:]:
            fields = {key.lower(): " ".join(str(value).split()) for key, value in block.items()}
            reports.append(fields)
    return reports
