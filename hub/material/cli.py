"""``flask hub …`` commands of the material library."""

from __future__ import annotations

import click

from hub.core.cli import hub_cli


@hub_cli.command("material-previews")
def material_previews() -> None:
    """Make PDF thumbnails and film poster frames that are due. Idempotent."""
    from hub.material.previews import run_previews

    click.echo(f"Förhandsbilder: {run_previews()} nya.")
