"""Demo: mail preferences for the demo accounts, and this period's digests in the outbox.

With no SMTP server configured, ``flask hub send-mail`` then writes them as .eml files under
instance/mail/, so the whole flow can be seen. Idempotent: preferences are only added where
missing and each member gets one digest per period.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from hub.mail.models import MailPreference
from hub.mail.preferences import set_preferences

DEMO_PREFERENCES = {
    "ambassador@demo.stafetten.se": {"digest_frequency": "weekly", "follows": "digest"},
    "samordnare@demo.stafetten.se": {"digest_frequency": "daily", "baton": "immediately"},
}


def seed(rng: random.Random, scale: str) -> Iterator[str]:
    for email, values in DEMO_PREFERENCES.items():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and db.session.get(MailPreference, user.id) is None:
            set_preferences(user.id, **values)
    db.session.commit()
    if scale != "small":
        yield "E-post: inställningar för demokontona."
        return
    from hub.digests.run import run_digests

    run = run_digests()
    yield f"E-post: {run.sent} sammanfattningar i utkorgen ({run.empty} utan nyheter)."
