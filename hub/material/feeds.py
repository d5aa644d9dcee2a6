"""A member's private material feed: a secret URL for feed readers, which cannot sign in.

The URL opens only the list (titles, summaries, links to item pages); the files stay for
signed-in members. The secret is random and single-purpose (its own table, so it opens nothing
else); only its SHA-256 is stored, so the URL is shown once when it is made. This module is the
one writer of ``material_feed_token``. Functions flush, never commit.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from hub.auth.models import User
from hub.auth.tokens import hash_token, new_random_token
from hub.core.db import utcnow
from hub.extensions import db
from hub.material.models import MaterialFeedToken

# token_urlsafe(32) is 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 64


def has_feed(user: User) -> bool:
    return db.session.get(MaterialFeedToken, user.id) is not None


def renew_feed_token(user: User) -> str:
    """A new secret for the member's feed URL; the old URL stops working at once."""
    turn_off_feed(user)
    token = new_random_token()
    db.session.add(
        MaterialFeedToken(user_id=user.id, token_hash=hash_token(token), created_at=utcnow())
    )
    db.session.flush()
    return token


def turn_off_feed(user: User) -> None:
    db.session.execute(delete(MaterialFeedToken).where(MaterialFeedToken.user_id == user.id))
    db.session.flush()


def user_for_feed_token(token: str) -> User | None:
    """The active member whose feed the URL opens, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    user = db.session.scalar(
        select(User)
        .join(MaterialFeedToken, MaterialFeedToken.user_id == User.id)
        .where(MaterialFeedToken.token_hash == hash_token(token))
    )
    return user if user is not None and user.active else None
