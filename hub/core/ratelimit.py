"""Rate limits kept in the database, so that every worker process sees the same counts.

A hit is one row (scope, key, at). ``hit`` records one and tells whether any of the given limits
is now exceeded; ``is_limited`` only looks; ``allow`` records only hits within the limits (for
sending mail: refused requests do not extend the wait). Rows older than the longest window are
pruned as we go, so the table stays small. Keys are hashed: no address or IP is stored.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app, request
from sqlalchemy import String, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.db import UTCDateTime, utcnow
from hub.extensions import db

# (how many, per how many seconds)
Limits = Sequence[tuple[int, int]]

# Hits older than this are never counted by any limit in the hub.
MAX_WINDOW = timedelta(days=2)


class RateLimitHit(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (db.Index("ix_rate_limit_hit_scope_key_at", "scope", "key", "at"),)


def client_ip() -> str:
    """The client's address; behind ``HUB_TRUSTED_PROXIES`` proxies, taken from the
    X-Forwarded-For entry the nearest trusted proxy added (earlier entries can be forged)."""
    hops = current_app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        forwarded = request.headers.get("X-Forwarded-For", "")
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        if len(entries) >= hops:
            return entries[-hops][:64]
    return request.remote_addr or "unknown"


def hash_key(key: str | int) -> str:
    return hashlib.sha256(str(key).strip().lower().encode()).hexdigest()


def record(scope: str, key: str | int) -> None:
    # A statement, not an object to flush: nothing reads the row back in the request.
    db.session.execute(
        insert(RateLimitHit.__table__), {"scope": scope, "key": hash_key(key), "at": utcnow()}
    )


def is_limited(scope: str, key: str | int, limits: Limits) -> bool:
    """Whether the hits already recorded reach any limit (one more would be too many)."""
    return look(scope, key, limits).limited


def is_exceeded(scope: str, key: str | int, limits: Limits) -> bool:
    """Whether the hits recorded go beyond any limit."""
    found = counts(scope, key, limits)
    return any(count > allowed for count, (allowed, _) in zip(found, limits, strict=True))


def hit(scope: str, key: str | int, limits: Limits) -> bool:
    """Record one hit; True when that hit goes beyond one of ``limits`` (then refuse it).

    Refused hits count too, so that hammering does not shorten the wait.
    """
    count_hit(scope, key, limits)
    return is_exceeded(scope, key, limits)


def allow(scope: str, key: str | int, limits: Limits) -> bool:
    """Record a hit only if it stays within ``limits``; False (nothing recorded) otherwise.

    For actions such as sending mail, where refused attempts should not push the wait further.
    """
    seen = look(scope, key, limits)
    if seen.limited:
        return False
    count_hit(scope, key, limits, prune=seen.stale)
    return True


class Look(NamedTuple):
    limited: bool  # one more hit would be too many
    stale: bool  # hits older than the longest window are there to prune


def look(scope: str, key: str | int, limits: Limits) -> Look:
    """Whether one more hit would be too many, and whether any hit is past every window."""
    *found, stale = _count_row(scope, key, limits)
    limited = any(count >= allowed for count, (allowed, _) in zip(found, limits, strict=True))
    return Look(limited, stale > 0)


def count_hit(scope: str, key: str | int, limits: Limits, *, prune: bool = True) -> None:
    """Record a hit the caller has found within ``limits`` (``look``). ``prune``: take the key's
    hits past the longest window away (``look`` says whether there are any: mostly none, and
    the DELETE's round trip is saved)."""
    record(scope, key)
    if prune:
        prune_key(scope, key, limits)
    maybe_prune_all()


def counts(scope: str, key: str | int, limits: Limits) -> list[int]:
    """Hits within each window, in one statement."""
    return _count_row(scope, key, limits)[:-1]


def _count_row(scope: str, key: str | int, limits: Limits) -> list[int]:
    """Hits within each window, and last those past the longest (to prune), in one statement."""
    now = utcnow()
    columns = [
        func.count(RateLimitHit.id).filter(RateLimitHit.at > now - timedelta(seconds=seconds))
        for _, seconds in limits
    ]
    columns.append(func.count(RateLimitHit.id).filter(RateLimitHit.at <= now - _longest(limits)))
    row = db.session.execute(
        select(*columns).where(RateLimitHit.scope == scope, RateLimitHit.key == hash_key(key))
    ).one()
    return [int(value or 0) for value in row]


def clear(scope: str, key: str | int) -> None:
    """Forget a key's hits (e.g. failed logins after a successful password reset)."""
    db.session.execute(
        delete(RateLimitHit).where(RateLimitHit.scope == scope, RateLimitHit.key == hash_key(key))
    )


def prune_key(scope: str, key: str | int, limits: Limits) -> None:
    db.session.execute(
        delete(RateLimitHit).where(
            RateLimitHit.scope == scope,
            RateLimitHit.key == hash_key(key),
            RateLimitHit.at <= utcnow() - _longest(limits),
        )
    )


def _longest(limits: Limits) -> timedelta:
    longest = timedelta(seconds=max(seconds for _, seconds in limits))
    if longest > MAX_WINDOW:
        raise ValueError("a rate limit window is longer than MAX_WINDOW")
    return longest


def maybe_prune_all(chance: float = 0.01) -> None:
    # Keys that stop being hit are cleared now and then rather than on every request.
    if random.random() < chance:
        prune_all()


def prune_all() -> int:
    result = db.session.execute(
        delete(RateLimitHit).where(RateLimitHit.at <= utcnow() - MAX_WINDOW)
    )
    return result.rowcount or 0
