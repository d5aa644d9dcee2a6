"""Addresses that route back: ``svar+<token>``, ``rsvp+<token>`` and ``retur+<token>`` at
``HUB_REPLY_DOMAIN``.

A token names one member and one thing (a post, a meeting, an outbox message) and is signed with
an HMAC of SECRET_KEY; it is checked against SECRET_KEY and every key in SECRET_KEY_FALLBACKS, so
replies to a mail from before a key rotation still arrive. Each purpose has its own derived key,
so an ``svar+`` token never opens ``rsvp+``. Tokens are base32 in lower case: a local part has at
most 64 characters, and some mail systems change its case.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from hub.core.db import utcnow

REPLY = "svar"
RSVP = "rsvp"
BOUNCE = "retur"
PURPOSES = (REPLY, RSVP, BOUNCE)

# What a token is about (one byte in it).
QUESTION, ANSWER, COMMENT, MEETING, OUTBOX, NO_REPLY = 1, 2, 3, 4, 5, 6
TARGETS = {QUESTION: "question", ANSWER: "answer", COMMENT: "comment", MEETING: "meeting",
           OUTBOX: "outbox", NO_REPLY: "none"}  # fmt: skip
TARGET_CODES = {name: code for code, name in TARGETS.items()}

_LAYOUT = struct.Struct(">BIIH")  # target kind, member id (0: none), target id, issue day
_MAC_BYTES = 10  # 80 bits: guessing one is hopeless, and the address stays short
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# A reply to a mail more than two years old is no reply any more.
MAX_AGE_DAYS = 2 * 366


class BadAddress(Exception):
    """Not one of ours: unknown purpose, unreadable, tampered with, or too old."""


@dataclass(frozen=True)
class AddressToken:
    purpose: str
    user_id: int | None
    target: str  # one of TARGETS' names
    target_id: int


def reply_domain() -> str | None:
    """The reply domain; None turns receiving (and every address that routes back) off."""
    domain = (current_app.config.get("REPLY_DOMAIN") or "").strip().lower()
    return domain or None


def _keys() -> list[bytes]:
    config = current_app.config
    return [key.encode() for key in (config["SECRET_KEY"], *config.get("SECRET_KEY_FALLBACKS", []))]


def _mac(key: bytes, purpose: str, payload: bytes) -> bytes:
    derived = hmac.new(key, f"stafetten.inbound.{purpose}".encode(), hashlib.sha256).digest()
    return hmac.new(derived, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _day(moment: datetime) -> int:
    return max(0, (moment - _EPOCH).days)


def make_token(purpose: str, user_id: int | None, target: str, target_id: int) -> str:
    payload = _LAYOUT.pack(TARGET_CODES[target], user_id or 0, target_id, _day(utcnow()))
    raw = payload + _mac(_keys()[0], purpose, payload)
    return base64.b32encode(raw).decode().rstrip("=").lower()


def read_token(purpose: str, token: str) -> AddressToken:
    if purpose not in PURPOSES:
        raise BadAddress(purpose)
    text = token.strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError as error:
        raise BadAddress("unreadable") from error
    if len(raw) != _LAYOUT.size + _MAC_BYTES:
        raise BadAddress("length")
    payload, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    if not any(hmac.compare_digest(mac, _mac(key, purpose, payload)) for key in _keys()):
        raise BadAddress("signature")
    code, user_id, target_id, day = _LAYOUT.unpack(payload)
    if code not in TARGETS:
        raise BadAddress("target")
    if _day(utcnow()) - day > MAX_AGE_DAYS:
        raise BadAddress("expired")
    return AddressToken(purpose, user_id or None, TARGETS[code], target_id)


def address(purpose: str, user_id: int | None, target: str, target_id: int) -> str | None:
    """``svar+…@reply-domain``, or None when receiving is off."""
    domain = reply_domain()
    if domain is None:
        return None
    return f"{purpose}+{make_token(purpose, user_id, target, target_id)}@{domain}"


def parse_address(recipient: str) -> AddressToken:
    """The token of an address at the reply domain; BadAddress for anything else."""
    local, _, domain = recipient.strip().strip("<>").rpartition("@")
    if not local or domain.lower() != (reply_domain() or ""):
        raise BadAddress("domain")
    purpose, plus, token = local.partition("+")
    if not plus:
        raise BadAddress("no token")
    return read_token(purpose.lower(), token)
