"""The mail receiver under load (issue #15): 200 messages/s for 30 s over LMTP on loopback.

    .venv/bin/python bench/inbound_bench.py [--rate 200] [--seconds 30] [--connections 20]

Starts the real ``flask hub mail-receiver`` (a subprocess) on a throw-away SQLite file (or the
throw-away PostgreSQL database named by BENCH_DATABASE_URL), with members, questions, a meeting
and sent outbox rows made first. Then ``--connections`` LMTP clients (as Postfix's lmtp delivery
agents would) deliver a mix paced to ``--rate`` messages a second: replies that become answers
and comments (each through the forum's rules: sanitising, limits, notifications, search
indexing), Outlook "Accept"s, Postfix bounces, out-of-office replies and junk to unknown
addresses. At the end every message must be stored exactly once (no loss), every LMTP answer a
250. Prints the achieved rate, latency percentiles and the stored outcomes.
"""

from __future__ import annotations

import argparse
import os
import random
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPLY_DOMAIN = "svar.bench.test"
SECRET = "bench-not-secret"  # noqa: S105  (a throw-away database)
FIXTURES = ROOT / "tests" / "inbound" / "fixtures"
MIX = (("reply", 40), ("rsvp", 15), ("bounce", 15), ("auto", 20), ("junk", 10))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "HUB_ENV": "development",
        "HUB_SECRET_KEY": SECRET,
        "HUB_DATABASE_URL": url,
        "HUB_REPLY_DOMAIN": REPLY_DOMAIN,
        "HUB_MAIL_RECEIVER_PORT": str(port),
        "HUB_POSTING_LIMIT_PER_HOUR": "100000",
    }


def prepare(url: str, members: int) -> dict:
    """The database, migrated and filled; returns what the messages are made from."""
    os.environ.update(environment(url, 0))
    from flask_migrate import upgrade

    from hub import create_app
    from hub.auth.models import User
    from hub.core.db import utcnow
    from hub.extensions import db
    from hub.forum.models import Category, Question
    from hub.inbound.addresses import address
    from hub.mail.models import OutboxMessage, OutboxStatus
    from hub.meetings.models import Meeting, Network, NetworkMunicipality
    from tests.conftest import make_config
    from tests.inbound.make_fixtures import UID

    app = create_app(make_config(url, SECRET_KEY=SECRET, REPLY_DOMAIN=REPLY_DOMAIN))
    with app.app_context():
        upgrade()
        now = utcnow()
        users = [
            User(
                email=f"medlem{n}@laholm.se",
                name=f"Medlem {n}",
                municipality_code="1381",
                email_confirmed_at=now,
            )
            for n in range(members)
        ]
        db.session.add_all(users)
        category = Category(slug="bench", name="Bänk")
        db.session.add(category)
        db.session.flush()
        questions = [
            Question(
                author_id=users[n].id,
                category_id=category.id,
                title=f"Fråga {n} om robotar",
                body_source="Hur gör ni?",
                body_html="<p>Hur gör ni?</p>",
            )
            for n in range(50)
        ]
        network = Network(slug="bench", name="Bänknätverket")
        network.members = [NetworkMunicipality(municipality_code="1381", position=0)]
        db.session.add_all([*questions, network])
        db.session.flush()
        meeting = Meeting(
            network_id=network.id,
            host_code="1381",
            title="Träff",
            uid=UID,
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=5, hours=2),
            place="Biblioteket",
            open_slot=1,
            created_at=now,
            updated_at=now,
        )
        db.session.add(meeting)
        outbox = [
            OutboxMessage(
                kind="baton",
                user_id=users[n % members].id,
                subject="x",
                body_text="x",
                to_address=f"slutat{n}@kommun{n % 97}.test",
                body_html="x",
                headers={},
                attachments=[],
                status=OutboxStatus.SENT,
                sent_at=now,
            )
            for n in range(20000)
        ]
        db.session.add_all(outbox)
        db.session.commit()
        data = {
            "reply": [
                address("svar", u.id, "question", questions[i % 50].id) for i, u in enumerate(users)
            ],
            "rsvp": [address("rsvp", u.id, "meeting", meeting.id) for u in users],
            "bounce": [address("retur", o.user_id, "outbox", o.id) for o in outbox],
            "emails": [u.email for u in users],
        }
        db.session.remove()
        db.engine.dispose()
    return data


def make_message(kind: str, n: int, data: dict) -> tuple[str, bytes]:
    """(recipient, bytes with CRLF line ends, as an MTA hands them over)."""
    recipient, raw = _message(kind, n, data)
    return recipient, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _message(kind: str, n: int, data: dict) -> tuple[str, bytes]:
    members = len(data["emails"])
    member = n % members
    msgid = f"<bench-{n}@laholm.se>"
    if kind == "reply":
        raw = (FIXTURES / "outlook_sv.eml").read_bytes()
        raw = raw.replace(b"karin.ek@laholm.se", data["emails"][member].encode())
        raw = raw.replace(b"Vi startar om roboten", f"Svar {n}: vi startar om roboten".encode())
        return data["reply"][member], _with_id(raw, msgid)
    if kind == "rsvp":
        raw = (FIXTURES / "winmail_accept.eml").read_bytes()
        raw = raw.replace(b"karin.ek@laholm.se", data["emails"][member].encode())
        return data["rsvp"][member], _with_id(raw, msgid)
    if kind == "bounce":
        raw = (FIXTURES / "postfix_dsn.eml").read_bytes()
        return data["bounce"][n % len(data["bounce"])], _with_id(raw, msgid)
    if kind == "auto":
        raw = (FIXTURES / "ooo_sv.eml").read_bytes()
        return data["reply"][member], _with_id(raw, msgid)
    raw = b"Subject: reklam\r\nMessage-ID: " + msgid.encode() + b"\r\n\r\nKop nu!\r\n"
    return f"okand+{n}@{REPLY_DOMAIN}", raw


def _with_id(raw: bytes, msgid: str) -> bytes:
    head, _, body = raw.partition(b"\n\n")
    lines = [line for line in head.split(b"\n") if not line.lower().startswith(b"message-id:")]
    return b"\n".join([b"Message-ID: " + msgid.encode(), *lines]) + b"\n\n" + body


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the receiver did not start")


def deliver_all(port: int, messages: list, rate: float, connections: int) -> dict:
    """Send ``messages`` paced to ``rate``/s over ``connections`` LMTP connections."""
    latencies: list[float] = []
    answers: Counter = Counter()
    lock = threading.Lock()
    start = time.monotonic() + 0.5
    slots = iter(range(len(messages)))
    slot_lock = threading.Lock()

    def worker() -> None:
        lmtp = smtplib.LMTP("127.0.0.1", port, timeout=120)
        lmtp.ehlo_or_helo_if_needed()
        while True:
            with slot_lock:
                index = next(slots, None)
            if index is None:
                break
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            recipient, raw = messages[index]
            sent = time.monotonic()
            try:
                lmtp.sendmail("bench@example.test", [recipient], raw)
                outcome = "250"
            except smtplib.SMTPRecipientsRefused as error:
                outcome = str(next(iter(error.recipients.values()))[0])
            except smtplib.SMTPResponseException as error:
                outcome = str(error.smtp_code)
            with lock:
                latencies.append(time.monotonic() - sent)
                answers[outcome] += 1
        lmtp.quit()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    return {"elapsed": elapsed, "latencies": latencies, "answers": answers}


def stored_outcomes(url: str) -> Counter:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)  # pysqlite begins no transaction for a SELECT: no write lock
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, outcome, count(*) FROM inbound_message GROUP BY kind, outcome")
        ).all()
    engine.dispose()
    return Counter({f"{kind}/{outcome}": count for kind, outcome, count in rows})


def unhandled(outcomes: Counter) -> int:
    return sum(n for key, n in outcomes.items() if key.endswith(("/pending", "/handling")))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_handled(url: str, timeout: float) -> float:
    """Seconds until no message is pending or being handled (polled once a second)."""
    start = time.monotonic()
    while unhandled(stored_outcomes(url)) and time.monotonic() - start < timeout:
        time.sleep(1)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--drain-timeout", type=float, default=1200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch}/bench.db"
        data = prepare(url, args.members)
        total = int(args.rate * args.seconds)
        rng = random.Random(15)
        kinds = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX], k=total)
        messages = [make_message(kind, n, data) for n, kind in enumerate(kinds)]
        port = free_port()
        receiver = subprocess.Popen(
            [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "hub", "mail-receiver"],
            cwd=ROOT,
            env=environment(url, port),
        )
        try:
            wait_for_port(port)
            load = os.getloadavg()[0]
            cpu_start, own_start = cpu_seconds(receiver.pid), time.process_time()
            result = deliver_all(port, messages, args.rate, args.connections)
            cpu_delivered, own = cpu_seconds(receiver.pid), time.process_time() - own_start
            at_end = stored_outcomes(url)
            drained = wait_until_handled(url, args.drain_timeout)
            cpu_handled = cpu_seconds(receiver.pid)
        finally:
            receiver.terminate()
            receiver.wait(timeout=180)
        stored = stored_outcomes(url)
        latencies = sorted(result["latencies"])
        achieved = total / result["elapsed"]
        print(f"database: {url.partition(':')[0]}, load average before: {load:.1f}")
        print(
            f"received: {total} in {result['elapsed']:.1f} s = {achieved:.0f}/s "
            f"(asked {args.rate:.0f}/s over {args.connections} LMTP connections)"
        )
        print(f"LMTP answers: {dict(result['answers'])}")
        print(
            f"LMTP latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms, "
            f"max {latencies[-1] * 1000:.0f} ms"
        )
        print(
            f"handled when the last was received: {total - unhandled(at_end)}; "
            f"all handled {drained:.0f} s after the last was received"
        )
        receiving, in_all = cpu_delivered - cpu_start, cpu_handled - cpu_start
        print(
            f"receiver CPU: {receiving:.1f} s while receiving ({receiving / total * 1000:.1f} "
            f"ms/message, what was handled meanwhile included), {in_all:.1f} s in all "
            f"({in_all / total * 1000:.1f} ms/message); the LMTP clients: {own:.1f} s"
        )
        print(f"stored: {sum(stored.values())} ({dict(sorted(stored.items()))})")
        lost = total - sum(stored.values())
        print(f"lost: {lost}, unhandled: {unhandled(stored)}, kinds sent: {dict(Counter(kinds))}")
        if lost or unhandled(stored) or set(result["answers"]) != {"250"}:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
