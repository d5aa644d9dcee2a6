"""How much one member may post in an hour: a brake on runaway scripts and copy-paste floods,
far above what a person writes. Counted in the database (``hub.core.ratelimit``), so every
worker process sees the same numbers."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from hub.core import ratelimit

HOUR = 3600
POSTING_LIMITED_MESSAGE = _l(
    "Du har skrivit väldigt mycket den senaste timmen. Vänta en stund och försök igen – "
    "din text finns kvar."
)


def limits_for(kind: str) -> list[tuple[str, list[tuple[int, int]]]]:
    config = current_app.config
    scopes = [("post", [(config["POSTING_LIMIT_PER_HOUR"], HOUR)])]
    if kind == "question":
        scopes.append(("post:question", [(config["POSTING_LIMIT_QUESTIONS_PER_HOUR"], HOUR)]))
    return scopes


def allow_post(user_id: int, kind: str) -> bool:
    """Count one post of ``kind`` ("question", "answer", "comment", "topic") by the member;
    False, counting nothing, when it would go past a limit (then refuse it, keeping the text)."""
    looked = [
        (scope, limits, ratelimit.look(scope, user_id, limits))
        for scope, limits in limits_for(kind)
    ]
    if any(seen.limited for _, _, seen in looked):
        return False
    for scope, limits, seen in looked:  # looked at above: not counted again
        ratelimit.count_hit(scope, user_id, limits, prune=seen.stale)
    return True
