"""baton-check over 200 networks × 30 municipalities × 10 years of history (issue #12).

    .venv/bin/python bench/baton_check_bench.py [--networks 200] [--municipalities 30] [--years 10]

Builds the history in a throw-away SQLite file (or the throw-away PostgreSQL database named by
BENCH_DATABASE_URL), then times ``run_baton_check``: once with a first reminder due in every
network (200 reminders queued), then again with nothing due. Prints wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--networks", type=int, default=200)
    parser.add_argument("--municipalities", type=int, default=30)
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db
    from hub.meetings.reminders import run_baton_check
    from tests.conftest import make_config
    from tests.meetings.relay_data import build_relay_history

    with tempfile.TemporaryDirectory() as scratch:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch}/bench.db"
        app = create_app(make_config(url))
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            build_relay_history(args.networks, args.municipalities, args.years, until=NOW)
            db.session.commit()
            print(f"history built in {time.perf_counter() - started:.1f} s")
            for label in (
                "first run (a reminder due in every network)",
                "second run (nothing due)",
            ):
                wall, cpu = time.perf_counter(), time.process_time()
                taken = run_baton_check(NOW)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(f"{label}: {len(taken)} steps, {wall:.2f} s wall, {cpu:.2f} s CPU")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
