"""Acting from a mail without signing in: signed, per-member, per-action links.

A link names one member, one action and its target ("rsvp" to meeting 12 with "online", say). It
is signed like the unsubscribe link (SECRET_KEY, verified with the fallbacks too, so it survives a
key rotation) and expires: an RSVP link when the meeting ends, a follow link after
``FOLLOW_DAYS``, a host's minutes link ``MINUTES_DAYS`` after the meeting. GET shows what will
happen with one button and changes nothing, because Safe Links and other scanners open every
link in a mail; POST acts through the same rule the page uses, so the history is the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hub.core.db import utcnow
from hub.core.rules import RuleError

SALT = "stafetten.action"
# The outer limit for any action link; each link also carries its own end (the meeting's).
MAX_AGE_SECONDS = 400 * 24 * 3600
RSVP = "rsvp"
RSVP_RESPONSES = ("on_site", "online", "not_coming")
FOLLOW = "follow"  # target: a question; value "follow" or "unfollow"
FOLLOW_VALUES = ("follow", "unfollow")
MINUTES = "minutes"  # target: a meeting that has been held; value "add"
# Each action and the values its links may carry.
ACTIONS = {RSVP: RSVP_RESPONSES, FOLLOW: FOLLOW_VALUES, MINUTES: ("add",)}
# A notification mail is read within days; a link from an old one should not act any more.
FOLLOW_DAYS = 60
# The host is asked for minutes right after the meeting; they may take a few weeks.
MINUTES_DAYS = 60


class ActionLinkInvalid(RuleError):
    """Tampered, unreadable, for an unknown action, or out of date."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__(
            _("Länken har redan använts eller gått ut.") if expired else _("Länken fungerar inte")
        )
        self.expired = expired


@dataclass(frozen=True)
class ActionLink:
    user_id: int
    action: str
    target_id: int
    value: str


def _serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=SALT)


def make_action_token(
    user_id: int, action: str, target_id: int, value: str, *, until: datetime
) -> str:
    return _serializer().dumps(
        {"u": user_id, "a": action, "t": target_id, "v": value, "x": int(until.timestamp())}
    )


def read_action_token(token: str, now: datetime | None = None) -> ActionLink:
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired as error:
        raise ActionLinkInvalid(expired=True) from error
    except BadSignature as error:
        raise ActionLinkInvalid() from error
    fields = ("u", "t", "x")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in fields):
        raise ActionLinkInvalid()
    if data.get("v") not in ACTIONS.get(data.get("a"), ()):
        raise ActionLinkInvalid()
    if (now or utcnow()).timestamp() >= data["x"]:
        raise ActionLinkInvalid(expired=True)
    return ActionLink(data["u"], data["a"], data["t"], data["v"])


def action_url(user_id: int, action: str, target_id: int, value: str, *, until: datetime) -> str:
    """An absolute URL for mail (there is no request when mail is composed)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    token = make_action_token(user_id, action, target_id, value, until=until)
    return f"{base}/handling/{token}"


def rsvp_urls(user_id: int, meeting_id: int, ends_at: datetime) -> dict[str, str]:
    """The three answers to a meeting, each its own link, valid until the meeting ends."""
    return {
        response: action_url(user_id, RSVP, meeting_id, response, until=ends_at)
        for response in RSVP_RESPONSES
    }


def follow_url(user_id: int, question_id: int, *, follow: bool, now: datetime) -> str:
    """Start or stop following a question, from a notification mail."""
    value = "follow" if follow else "unfollow"
    return action_url(user_id, FOLLOW, question_id, value, until=now + timedelta(days=FOLLOW_DAYS))


def minutes_url(user_id: int, meeting_id: int, ends_at: datetime) -> str:
    """The host's way to the meeting's minutes, valid for a while after the meeting ended (or
    after the mail, when it is sent later than that)."""
    until = max(ends_at, utcnow()) + timedelta(days=MINUTES_DAYS)
    return action_url(user_id, MINUTES, meeting_id, "add", until=until)
