"""``flask hub …``: commands for cron and for people. All are idempotent."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from hub.core.cli import hub_cli
from hub.demo_sizes import SIZES
from hub.extensions import db


@hub_cli.command("load-reference")
def load_reference() -> None:
    """Load regions, municipalities, units, role types and care areas that are missing."""
    from hub.directory.reference import load_reference_data

    added = load_reference_data()
    db.session.commit()
    click.echo(f"Referensdata: {added} nya rader.")


@hub_cli.command("seed-demo")
@click.option("--scale", type=click.Choice(list(SIZES)), default="small")
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
    from hub.inbound import cli as _inbound  # noqa: F401
    from hub.mail import cli as _mail  # noqa: F401
    from hub.material import cli as _material  # noqa: F401
    from hub.meetings import cli as _meetings  # noqa: F401


@hub_cli.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def backup(output: Path | None) -> None:
    """Make a consistent copy of the database and check that it can be read back."""
    from hub.core.backup import backup_database, check_backup, default_backup_path

    target = backup_database(output or default_backup_path(current_app.instance_path))
    counts = check_backup(target)
    click.echo(f"Säkerhetskopia: {target} ({sum(counts.values())} rader kontrollerade).")


@hub_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Only check the backup; change nothing.")
@click.option("--yes", is_flag=True, help="Really replace the database's content.")
def restore(source: Path, check: bool, yes: bool) -> None:
    """Check a backup, or restore it into the configured database."""
    from hub.core.backup import check_backup, restore_database

    counts = check_backup(source)
    click.echo(f"Säkerhetskopian går att läsa ({sum(counts.values())} rader).")
    if check:
        return
    if not yes:
        raise click.ClickException("Lägg till --yes för att ersätta databasens innehåll.")
    restore_database(source)
    click.echo("Databasen är återställd.")


@hub_cli.command("prune")
@click.option("--at", default=None, help="Som om klockan vore (ISO 8601, UTC); för test.")
def prune(at: str | None) -> None:
    """Delete sent mail, read notifications, old counters and logs past their retention."""
    from datetime import UTC, datetime

    from hub.retention import run_prune

    now = None
    if at:
        now = datetime.fromisoformat(at)
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    removed = run_prune(now)
    click.echo("Rensat: " + ", ".join(f"{name} {count}" for name, count in removed.items()))
