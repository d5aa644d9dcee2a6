"""gunicorn's settings for bench/realistic.py: the hub's own (gunicorn.conf.py), plus a line per
request in the file named by ``BENCH_REQUEST_LOG``: the kind of request (the ``X-Bench-Kind``
header the benchmark sends), its status, and what the worker spent on it, in µs: wall time,
CPU time of the worker process (a sync worker serves one request at a time, and SQLite runs in
it, so this is the request's own CPU; on a shared machine it moves far less than wall time),
CPU time in Python's garbage collector, wall time in SQL statements (sent until their cursor
returned: on PostgreSQL the round trips and the server's work), and of that in ``BEGIN``
(SQLite's ``BEGIN IMMEDIATE``: the wait for the write lock; the COMMIT is not counted). Wall
minus CPU is waiting: for SQLite's write lock, for PostgreSQL's server, or for a core on a
loaded machine.
"""

from __future__ import annotations

import gc
import os
import runpy
import time
from pathlib import Path

# The hub's hooks (warm-up before the fork, a warm connection per worker), as deployed.
_HUB = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
when_ready = _HUB["when_ready"]
worker_exit = _HUB["worker_exit"]

_log = None
_started = [0.0, 0.0]
_collecting = [0.0, 0.0]  # the collector's start and its total within the current request
_statements = [0.0, 0.0, 0.0]  # a statement's start; in the request: all statements, BEGINs


def _on_gc(phase: str, _info: dict) -> None:
    # CPU time: on a loaded machine a collection's wall time counts the waits for a core too.
    if phase == "start":
        _collecting[0] = time.process_time()
    else:
        _collecting[1] += time.process_time() - _collecting[0]


def _before_statement(*_args) -> None:
    _statements[0] = time.perf_counter()


def _after_statement(_connection, _cursor, statement: str, *_args) -> None:
    spent = time.perf_counter() - _statements[0]
    _statements[1] += spent
    if statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE: the wait for the write lock
        _statements[2] += spent


def post_fork(server, worker) -> None:
    global _log
    _log = open(os.environ["BENCH_REQUEST_LOG"], "a", buffering=1, encoding="utf-8")  # noqa: SIM115
    gc.callbacks.append(_on_gc)


def post_worker_init(worker) -> None:
    _HUB["post_worker_init"](worker)
    from sqlalchemy import event

    from hub.extensions import db

    with worker.wsgi.app_context():
        event.listen(db.engine, "before_cursor_execute", _before_statement)
        event.listen(db.engine, "after_cursor_execute", _after_statement)


def pre_request(worker, req) -> None:
    _collecting[1] = _statements[1] = _statements[2] = 0.0
    _started[0], _started[1] = time.perf_counter(), time.process_time()


def post_request(worker, req, environ, resp) -> None:
    wall = time.perf_counter() - _started[0]
    cpu = time.process_time() - _started[1]
    kind = environ.get("HTTP_X_BENCH_KIND", "-")
    status = getattr(resp, "status_code", 0) or 0
    spent = (wall, cpu, _collecting[1], _statements[1], _statements[2])
    _log.write(f"{kind} {status} " + " ".join(f"{s * 1e6:.0f}" for s in spent) + "\n")
