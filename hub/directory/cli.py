"""``flask hub …`` commands of the directory part."""

from __future__ import annotations

from hub.core.cli import hub_cli

__all__ = ["hub_cli"]
