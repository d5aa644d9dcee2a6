"""Bulk relay history for the baton-check statement-count test and benchmark: many networks,
each with municipalities, members and years of hand-overs, meetings and reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from hub.auth.models import User
from hub.directory.models import Municipality
from hub.extensions import db
from hub.meetings.models import BatonPass, BatonReminder, Meeting, Network, NetworkMunicipality


def build_relay_history(
    networks: int, municipalities: int, years: int, *, until: datetime, prefix: str = "rel"
) -> list[int]:
    """``networks`` networks with ``municipalities`` members each (one person per municipality)
    and a quarterly meeting, hand-over and reminder for ``years`` years up to ``until``.
    Returns the network ids. Inserted in bulk; nothing is mailed (it is history)."""
    codes = list(db.session.scalars(select(Municipality.scb_code).order_by(Municipality.scb_code)))
    codes = codes[:municipalities]
    existing = set(db.session.scalars(select(User.municipality_code).distinct()))
    db.session.execute(
        insert(User),
        [
            {"email": f"{prefix}-{code}@example.se", "name": f"Person {code}",
             "municipality_code": code, "password_hash": "!", "email_confirmed_at": until}
            for code in codes if code not in existing
        ],
    )  # fmt: skip
    ids = []
    quarters = years * 4
    for n in range(networks):
        network = Network(slug=f"{prefix}-{n}", name=f"Nätverk {n}", rhythm_months=3)
        db.session.add(network)
        db.session.flush()
        ids.append(network.id)
        db.session.execute(
            insert(NetworkMunicipality),
            [{"network_id": network.id, "municipality_code": c, "position": i}
             for i, c in enumerate(codes)],
        )  # fmt: skip
        start = until - timedelta(days=91 * quarters)
        meetings = [
            {"network_id": network.id, "host_code": codes[q % len(codes)], "title": f"Träff {q}",
             "starts_at": start + timedelta(days=91 * q + 60),
             "ends_at": start + timedelta(days=91 * q + 60, hours=3), "status": "held",
             "uid": f"{prefix}-{n}-{q}@stafetten.se", "created_at": start, "updated_at": start}
            for q in range(quarters)
        ]  # fmt: skip
        db.session.execute(insert(Meeting), meetings)
        passes = [
            {"network_id": network.id, "from_code": codes[(q - 1) % len(codes)] if q else None,
             "to_code": codes[q % len(codes)], "passed_at": start + timedelta(days=91 * q),
             "reason_kind": "meeting_held" if q else "start", "reason": ""}
            for q in range(quarters)
        ]  # fmt: skip
        db.session.execute(insert(BatonPass), passes)
        pass_ids = db.session.scalars(
            select(BatonPass.id).where(BatonPass.network_id == network.id)
        ).all()
        db.session.execute(
            insert(BatonReminder),
            [{"network_id": network.id, "baton_pass_id": pid, "step": 1,
              "sent_at": start, "audience": "holder", "recipient_count": 1}
             for pid in pass_ids[:-1]],
        )  # fmt: skip
        network.baton_holder_code = codes[(quarters - 1) % len(codes)]
    db.session.flush()
    return ids
