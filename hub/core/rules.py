"""The one family of rule errors: what a rule raises when it says no.

A rule (``questions.create_question``, ``scheduling.cancel_meeting`` …) raises ``RuleError`` with a
message for the person, optionally the form field it belongs to, and the HTTP status that fits::

    from hub.core.rules import Conflict, RuleError

    raise RuleError(_("Skriv minst en tagg."), field="tags")      # 400
    raise Conflict(_("Frågan är låst."))                           # 409

The edge (``hub.core.edge``) turns it into an answer: next to the field when a form ran the rule
(``run_form``), otherwise an error page with the message and the status. Views catch nothing else.
"""

from __future__ import annotations

STATUSES = frozenset({400, 403, 404, 409, 410, 413, 429})


class RuleError(Exception):
    """A rule said no. ``message`` is shown as is (already translated); ``field`` names the form
    field it belongs to (or None: the form as a whole); ``status`` is the HTTP status."""

    status: int = 400

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        if status is not None:
            self.status = status
        if self.status not in STATUSES:
            raise ValueError(f"a rule error answers one of {sorted(STATUSES)}, not {self.status}")


class Forbidden(RuleError):
    status = 403


class NotFound(RuleError):
    status = 404


class Conflict(RuleError):
    """Someone else was first, or the thing is locked or closed."""

    status = 409


class AlreadyDone(RuleError):
    """The very same thing was just done (a double submit). Not shown as an error: the edge
    flashes the message and goes to ``location``, where the earlier one is."""

    status = 409

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.location = location


class Gone(RuleError):
    """It was real once (a spent link, a withdrawn invitation)."""

    status = 410


class TooLarge(RuleError):
    status = 413


class TooMany(RuleError):
    """A rate limit: ``retry_after`` seconds, sent as Retry-After."""

    status = 429

    def __init__(self, message: str, *, field: str | None = None, retry_after: int = 60):
        super().__init__(message, field=field)
        self.retry_after = retry_after
