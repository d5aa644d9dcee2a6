"""``flask hub …`` commands of the forum part."""

from __future__ import annotations

import click

from hub.cli import hub_cli
from hub.extensions import db

__all__ = ["hub_cli"]


@hub_cli.command("search-rebuild")
def search_rebuild() -> None:
    """Rebuild the search index from every visible question and answer."""
    from hub.forum.search import rebuild_index

    count = rebuild_index()
    db.session.commit()
    click.echo(f"Sökindexet byggdes om: {count} dokument.")
