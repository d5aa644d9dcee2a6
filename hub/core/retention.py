"""Retention: old rows that only record what happened (sent mail, read notices, counters, logs)
are deleted once they are older than the configured number of days.

Each rule names its table by import path, so a part that is not installed is simply skipped.
``prune`` is idempotent and safe to run from cron, the worker and by hand at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from flask import current_app
from sqlalchemy import delete

from hub.core.db import utcnow
from hub.extensions import db


@dataclass(frozen=True)
class Rule:
    name: str
    model: str  # "module:Class"
    column: str  # the timestamp that ages the row
    setting: str  # config key with the number of days to keep
    where: Callable[[type], list] = lambda model: []


RULES = (
    Rule(
        "outbox",
        "hub.mail.models:OutboxMessage",
        "created_at",
        "RETENTION_OUTBOX_DAYS",
        lambda m: [m.status.in_(("sent", "failed", "suppressed", "bounced"))],
    ),
    Rule("inbound", "hub.inbound.models:InboundMessage", "received_at", "RETENTION_INBOUND_DAYS"),
    Rule(
        "notifications",
        "hub.notifications.models:Notification",
        "created_at",
        "RETENTION_NOTIFICATION_DAYS",
        lambda m: [m.read_at.is_not(None)],
    ),
    Rule("moderation_log", "hub.forum.models:ModerationLog", "created_at", "RETENTION_DAYS"),
    Rule("meeting_reminders", "hub.meetings.models:MeetingReminder", "sent_at", "RETENTION_DAYS"),
    Rule("digests", "hub.digests.models:Digest", "created_at", "RETENTION_DAYS"),
)


def load_model(path: str) -> type | None:
    module, _, name = path.partition(":")
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete rows past their retention; returns how many went, per rule. Flushes only."""
    now = now or utcnow()
    removed: dict[str, int] = {}
    for rule in RULES:
        model = load_model(rule.model)
        if model is None:
            continue
        cutoff = now - timedelta(days=current_app.config[rule.setting])
        statement = delete(model).where(getattr(model, rule.column) < cutoff, *rule.where(model))
        removed[rule.name] = db.session.execute(statement).rowcount or 0
    removed["rate_limits"] = prune_rate_limits(now)
    purge_material = load_model("hub.material.items:purge_removed_files")
    if purge_material is not None:
        removed["material_files"] = purge_material(now)
    return removed


def prune_rate_limits(now: datetime) -> int:
    """Counter rows older than the longest rate-limit window count for nothing any more."""
    try:
        from hub.core.ratelimit import MAX_WINDOW, RateLimitHit
    except ImportError:
        return 0
    statement = delete(RateLimitHit).where(RateLimitHit.at <= now - MAX_WINDOW)
    return db.session.execute(statement).rowcount or 0


def run_prune(now: datetime | None = None) -> dict[str, int]:
    """For the worker and the CLI: prune and commit."""
    removed = prune(now)
    db.session.commit()
    return removed
