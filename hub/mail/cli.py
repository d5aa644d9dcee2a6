"""``flask hub …`` commands of the mail part."""

from __future__ import annotations

from hub.cli import hub_cli

__all__ = ["hub_cli"]
