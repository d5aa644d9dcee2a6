"""What mail each member wants: per kind of notification, and how often the digest comes."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import MailPreference

IMMEDIATELY = "immediately"
DIGEST = "digest"
NEVER = "never"
DELIVERY_CHOICES = [
    (IMMEDIATELY, _l("Direkt")),
    (DIGEST, _l("I sammanfattningen")),
    (NEVER, _l("Aldrig")),
]
MAIL_TEXT_CHOICES = [
    ("full", _l("Med texten: du kan läsa svaret direkt i mejlet")),
    ("titles", _l("Bara rubriker (bra på en delad dator)")),
]
FREQUENCY_CHOICES = [
    ("daily", _l("Varje dag")),
    ("weekly", _l("Varje vecka (måndag morgon)")),
    ("never", _l("Aldrig")),
]

# The kinds of notification a member chooses for, in the order the settings page shows them.
TOPICS = {
    "answers": _l("Svar på mina frågor"),
    "mentions": _l("Omnämnanden"),
    "follows": _l("Frågor och ämnesord du följer"),
    "meetings": _l("Träffar"),
    "baton": _l("Stafettpinnen"),
    "announcements": _l("Meddelanden från samordnarna"),
}
# Notification.kind → topic. Kinds nobody listed here count as activity on what one follows.
NOTIFICATION_TOPIC = {
    "answer": "answers",
    "accept": "answers",
    "comment": "answers",
    "accept_reminder": "answers",
    "mention": "mentions",
    "ask_to_answer": "mentions",
    "unanswered": "mentions",  # the forum asks members who know the topic to answer
    "follow": "follows",
    "meeting": "meetings",
    "rsvp": "meetings",
    "baton": "baton",
    "announcement": "announcements",
}
DEFAULTS = {
    "digest_frequency": "weekly",
    "answers": IMMEDIATELY,
    "mentions": IMMEDIATELY,
    "follows": DIGEST,
    "meetings": IMMEDIATELY,
    "baton": IMMEDIATELY,
    "announcements": IMMEDIATELY,
    "mail_text": "full",
}

# Account and security mail: never suppressed, never with an unsubscribe link. A member who
# turned everything off must still be able to confirm a new address or hear that their password
# changed. (Names are the template names queue_email uses as the kind.)
ACCOUNT_KINDS = frozenset(
    {
        "confirm_email",
        "password_reset",
        "change_email",
        "email_changed",
        "security_notice",
        "account_exists",
        "invitation",
        "login_link",
        "accessibility_report",  # service mail to the admins about the site itself
        "inbound_no_reply",  # the answer to a reply by mail that could not be used (hub.inbound)
    }
)
# Kinds named "account_…" (linking a sign-in, hub.auth.identities) are account mail too.
ACCOUNT_PREFIX = "account_"
# Of those, the direct answers to something the person just asked for. They are not
# "auto-generated" in the sense of RFC 3834; everything else is.
REQUESTED_KINDS = frozenset(
    {
        "confirm_email",
        "password_reset",
        "change_email",
        "account_exists",
        "login_link",
        "account_link_identity",
    }
)

# What an unsubscribe link can stop: a notification topic, the digest, or all of it.
UNSUBSCRIBE_TOPICS = {
    **TOPICS,
    "digest": _l("Sammanfattningen"),
    "all": _l("All e-post från Stafetten utom kontomeddelanden"),
}


def topic_for_notification(kind: str) -> str:
    return NOTIFICATION_TOPIC.get(kind, "follows")


def is_account_mail(kind: str) -> bool:
    return kind in ACCOUNT_KINDS or kind.startswith(ACCOUNT_PREFIX)


def topic_for_mail(kind: str) -> str:
    """The preference a mail of this kind belongs to (and what its unsubscribe link stops)."""
    if kind == "digest":
        return "digest"
    if kind.startswith("notification_"):
        topic = kind.removeprefix("notification_")
        return topic if topic in TOPICS else "follows"
    if "baton" in kind:
        return "baton"
    if "meeting" in kind or "rsvp" in kind:
        return "meetings"
    return "all"


def preference_values(row: MailPreference | None) -> dict[str, str]:
    if row is None:
        return dict(DEFAULTS)
    return {name: getattr(row, name) or default for name, default in DEFAULTS.items()}


def get_preferences(user_id: int) -> dict[str, str]:
    return preference_values(db.session.get(MailPreference, user_id))


def load_preferences(user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Preferences of many members in one query."""
    ids = list(user_ids)
    rows = {
        row.user_id: row
        for row in db.session.scalars(select(MailPreference).where(MailPreference.user_id.in_(ids)))
    }
    return {user_id: preference_values(rows.get(user_id)) for user_id in ids}


def wants_separate_mail(user_id: int, kind: str) -> bool:
    """False when the member has turned this kind of mail off or moved it to the digest."""
    if is_account_mail(kind):
        return True
    topic = topic_for_mail(kind)
    prefs = get_preferences(user_id)
    if topic == "digest":
        return prefs["digest_frequency"] != NEVER
    if topic == "all":
        return any(prefs[name] != NEVER for name in TOPICS) or prefs["digest_frequency"] != NEVER
    return prefs[topic] == IMMEDIATELY


def set_preferences(user_id: int, **values: str) -> MailPreference:
    """Change some preferences; flushes, the caller commits."""
    row = db.session.get(MailPreference, user_id)
    if row is None:
        row = MailPreference(user_id=user_id, **DEFAULTS)
        db.session.add(row)
    for name, value in values.items():
        if name not in DEFAULTS:
            raise ValueError(f"unknown preference {name}")
        setattr(row, name, value)
    row.updated_at = utcnow()
    db.session.flush()
    return row


def do_unsubscribe(user_id: int, topic: str) -> None:
    """Stop what an unsubscribe link names."""
    if topic == "digest":
        set_preferences(user_id, digest_frequency=NEVER)
    elif topic == "all":
        set_preferences(user_id, digest_frequency=NEVER, **dict.fromkeys(TOPICS, NEVER))
    else:
        set_preferences(user_id, **{topic: NEVER})
