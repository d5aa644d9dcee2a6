"""The ``flask hub`` group. Each part adds its commands in its own ``cli.py``; ``hub/cli.py``
imports them all (so no part's module imports the list back)."""

from __future__ import annotations

from flask.cli import AppGroup

hub_cli = AppGroup("hub", help="Stafettens kommandon (säkra att köra från cron).")
