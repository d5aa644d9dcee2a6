"""``flask hub …`` commands of the meetings part."""

from __future__ import annotations

from datetime import datetime

import click

from hub.core.cli import hub_cli
from hub.core.db import utcnow
from hub.core.i18n import from_stockholm


def parse_at(value: str | None) -> datetime:
    """``--at "YYYY-MM-DD HH:MM"`` in Stockholm time, for trying things out; default now."""
    if not value:
        return utcnow()
    try:
        local = datetime.strptime(value, "%Y-%m-%d %H:%M")  # noqa: DTZ007  (Stockholm wall clock)
    except ValueError as error:
        raise click.BadParameter(
            "Skriv tiden som ÅÅÅÅ-MM-DD TT:MM, till exempel 2026-11-23 08:00."
        ) from error
    return from_stockholm(local)


@hub_cli.command("baton-check")
@click.option("--at", "at", default=None, help='Svensk tid att räkna från, "ÅÅÅÅ-MM-DD TT:MM".')
def baton_check(at: str | None) -> None:
    """Remind baton holders (then coordinators) and those coming to a meeting soon. Idempotent."""
    from hub.meetings.reminders import run_baton_check, run_meeting_reminders

    now = parse_at(at)
    sent = run_baton_check(now)
    for slug, step in sent:
        click.echo(f"Stafettpåminnelse steg {step}: {slug}")
    reminded = run_meeting_reminders(now)
    click.echo(f"Stafettpåminnelser: {len(sent)}. Träffpåminnelser: {reminded}.")


@hub_cli.command("meeting-reminders")
@click.option("--at", "at", default=None, help='Svensk tid att räkna från, "ÅÅÅÅ-MM-DD TT:MM".')
def meeting_reminders(at: str | None) -> None:
    """Remind those coming to a meeting within two days (once each)."""
    from hub.meetings.reminders import run_meeting_reminders

    click.echo(f"Träffpåminnelser: {run_meeting_reminders(parse_at(at))}.")


@hub_cli.command("simulate-relay")
@click.option("--years", type=click.IntRange(1, 30), default=5, help="Hur många år som simuleras.")
@click.option(
    "--silent",
    type=click.FloatRange(0, 1),
    default=0.3,
    help="Andelen innehav där ingen i kommunen svarar på något (0–1).",
)
@click.option("--seed", type=int, default=1, help="Slumpfrö, för att kunna upprepa en körning.")
@click.option("--trace", is_flag=True, help="Skriv också vad som hände under varje period.")
def simulate_relay(years: int, silent: float, seed: int, trace: bool) -> None:
    """Simulate the relay for years in a throw-away database; prints figures per network."""
    import time

    from hub.meetings.simulation import format_table, simulate

    started = time.perf_counter()
    lines: list[str] | None = [] if trace else None
    reports = simulate(years, silent, seed, trace=lines)
    for line in lines or []:
        click.echo(line)
    click.echo(f"Stafetten, {years} år, tysta innehav {silent:.0%}, frö {seed}:")
    click.echo(format_table(reports))
    click.echo(f"Tid: {time.perf_counter() - started:.1f} s (en tillfällig databas, nu borttagen).")
