"""Retention: old rows that only record what happened (sent mail, read notices, counters, logs)
are deleted once they are older than the configured number of days.

The rules are a plain list of the parts' models (this module sits beside ``hub/models.py``, above
the parts, so that ``hub/core`` needs none of them). ``prune`` is idempotent and safe to run from
cron, the worker and by hand at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from hub.core.db import utcnow
from hub.core.ratelimit import MAX_WINDOW, RateLimitHit
from hub.digests.models import Digest
from hub.extensions import db
from hub.forum.models import ModerationLog
from hub.inbound.models import InboundMessage
from hub.mail.models import OutboxMessage
from hub.material.items import purge_removed_files
from hub.meetings.models import MeetingReminder
from hub.notifications.models import Notification


@dataclass(frozen=True)
class Rule:
    name: str
    model: type
    column: str  # the timestamp that ages the row
    setting: str  # config key with the number of days to keep
    where: Callable[[type], list] = lambda model: []


RULES = (
    Rule(
        "outbox",
        OutboxMessage,
        "created_at",
        "RETENTION_OUTBOX_DAYS",
        lambda m: [m.status.in_(("sent", "failed", "suppressed", "bounced"))],
    ),
    Rule("inbound", InboundMessage, "received_at", "RETENTION_INBOUND_DAYS"),
    Rule(
        "notifications",
        Notification,
        "created_at",
        "RETENTION_NOTIFICATION_DAYS",
        lambda m: [m.read_at.is_not(None)],
    ),
    Rule("moderation_log", ModerationLog, "created_at", "RETENTION_DAYS"),
    Rule("meeting_reminders", MeetingReminder, "sent_at", "RETENTION_DAYS"),
    Rule("digests", Digest, "created_at", "RETENTION_DAYS"),
)


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete rows past their retention; returns how many went, per rule. Flushes only."""
    now = now or utcnow()
    removed: dict[str, int] = {}
    for rule in RULES:
        model = rule.model
        cutoff = now - timedelta(days=current_app.config[rule.setting])
        statement = delete(model).where(getattr(model, rule.column) < cutoff, *rule.where(model))
        removed[rule.name] = db.session.execute(statement).rowcount or 0
    removed["rate_limits"] = prune_rate_limits(now)
    removed["material_files"] = purge_removed_files(now)
    return removed


def prune_rate_limits(now: datetime) -> int:
    """Counter rows older than the longest rate-limit window count for nothing any more."""
    statement = delete(RateLimitHit).where(RateLimitHit.at <= now - MAX_WINDOW)
    return db.session.execute(statement).rowcount or 0


def run_prune(now: datetime | None = None) -> dict[str, int]:
    """For the worker and the CLI: prune and commit."""
    removed = prune(now)
    db.session.commit()
    return removed
