"""CPU per render of a network's health page on the large demo data.

    HUB_DATABASE_URL=sqlite:////tmp/large.db .venv/bin/flask --app wsgi db upgrade
    HUB_DATABASE_URL=sqlite:////tmp/large.db .venv/bin/flask --app wsgi hub seed-demo --scale large
    HUB_DATABASE_URL=sqlite:////tmp/large.db .venv/bin/python bench/health_bench.py

Adds (once) two networks to that database: the 26 municipalities of Stockholms län, and all 32
municipalities (about 2,000 members). Signs in as the demo admin through the login form, renders
each health page a few times to warm up, then ``--renders`` times, and prints the CPU time of this
process per render (SQLite runs in the process, so its work is included), the wall time and the
number of SQL statements. On a shared machine, CPU time is the fairer figure.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from sqlalchemy import event, select

from config import DevelopmentConfig
from hub import create_app
from hub.auth.models import User
from hub.demo import DEMO_PASSWORD
from hub.directory.models import Municipality
from hub.extensions import db
from hub.meetings.models import Network, NetworkMunicipality

ADMIN = "admin@demo.stafetten.se"


def ensure_network(slug: str, codes: list[str], admin: User) -> None:
    if db.session.scalar(select(Network).where(Network.slug == slug)):
        return
    network = Network(slug=slug, name=f"Mätnätverk {len(codes)} kommuner")
    network.members = [
        NetworkMunicipality(municipality_code=code, position=i) for i, code in enumerate(codes)
    ]
    network.baton_holder_code = codes[0]
    network.coordinators = [admin]
    db.session.add(network)
    db.session.commit()


def measure(client, url: str, renders: int) -> dict:
    statements: list[str] = []

    def count(*args) -> None:
        statements.append(args[2])

    for _ in range(3):
        assert client.get(url).status_code == 200
    cpu, wall = [], []
    for _ in range(renders):
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get(url)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        assert response.status_code == 200
    event.listen(db.engine, "before_cursor_execute", count)
    client.get(url)
    event.remove(db.engine, "before_cursor_execute", count)
    return {
        "cpu_median": statistics.median(cpu),
        "cpu_p90": statistics.quantiles(cpu, n=10)[-1],
        "wall_median": statistics.median(wall),
        "statements": len(statements),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=30)
    args = parser.parse_args()
    app = create_app(DevelopmentConfig)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        codes = db.session.scalars(select(Municipality.scb_code).order_by(Municipality.scb_code))
        codes = list(codes)
        stockholm = [code for code in codes if code.startswith("01")]
        ensure_network("matning-26", stockholm, admin)
        ensure_network("matning-32", codes, admin)
        client = app.test_client()
        page = client.get("/logga-in").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = {"email": ADMIN, "password": DEMO_PASSWORD, "csrf_token": token}
        client.post("/logga-in", data=form)
        for slug in ("matning-26", "matning-32", "halland", "stockholm"):
            network = db.session.scalar(select(Network).where(Network.slug == slug))
            in_network = select(NetworkMunicipality.municipality_code).where(
                NetworkMunicipality.network_id == network.id
            )
            municipalities = len(db.session.scalars(in_network).all())
            members = db.session.scalar(
                select(db.func.count(User.id)).where(User.municipality_code.in_(in_network))
            )
            result = measure(client, f"/natverk/{slug}/halsa", args.renders)
            print(
                f"{slug}: {municipalities} kommuner, {members} medlemmar: "
                f"CPU {result['cpu_median']:.1f} ms (median), {result['cpu_p90']:.1f} ms (p90), "
                f"väggtid {result['wall_median']:.1f} ms, {result['statements']} SQL-satser"
            )


if __name__ == "__main__":
    main()
