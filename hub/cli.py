"""``flask hub …``: commands for cron and for people. All are idempotent."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from hub.extensions import db

hub_cli = AppGroup("hub", help="Stafettens kommandon (säkra att köra från cron).")


@hub_cli.command("load-reference")
def load_reference() -> None:
    """Load regions, municipalities, units, role types and care areas that are missing."""
    from hub.directory.reference import load_reference_data

    added = load_reference_data()
    db.session.commit()
    click.echo(f"Referensdata: {added} nya rader.")


@hub_cli.command("seed-demo")
@click.option("--scale", type=click.Choice(["small", "large"]), default="small")
def seed_demo(scale: str) -> None:
    """Fill the database with Swedish demo content (refuses to run in production)."""
    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("seed-demo körs inte med produktionskonfigurationen.")
    from hub.demo import seed

    for line in seed(scale):
        click.echo(line)


def register_part_commands() -> None:
    """Each part defines its commands on ``hub_cli`` in its own ``cli.py``."""
    from hub.auth import cli as _auth  # noqa: F401
    from hub.digests import cli as _digests  # noqa: F401
    from hub.directory import cli as _directory  # noqa: F401
    from hub.forum import cli as _forum  # noqa: F401
    from hub.mail import cli as _mail  # noqa: F401
    from hub.meetings import cli as _meetings  # noqa: F401
