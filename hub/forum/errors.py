"""The forum's rule errors (of the family in ``hub.core.rules``)."""

from __future__ import annotations

from hub.core.rules import RuleError


class ForumError(RuleError):
    """A forum rule said no (one of the rule-error family, ``hub.core.rules``)."""


class Locked(ForumError):
    status = 409


class TooManyPosts(ForumError):
    status = 429
