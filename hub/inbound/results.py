"""What a rule of the receiver answers: the outcome and why; and its own "no"."""

from __future__ import annotations

from dataclasses import dataclass

from hub.core.rules import RuleError


@dataclass
class Result:
    outcome: str
    reason: str = ""
    user_id: int | None = None
    result: tuple[str, int] | None = None
    duplicate: bool = False
    kind: str = "other"


class Refused(RuleError):
    """The receiver's own "no" (forged sender, someone else's address): recorded, never posted."""
