"""gunicorn's settings for bench/realistic.py: the hub's own (gunicorn.conf.py), plus a line per
request in the file named by ``BENCH_REQUEST_LOG``: the kind of request (the ``X-Bench-Kind``
header the benchmark sends), its status, and what the worker spent on it, in µs: wall time,
CPU time of the worker process (a sync worker serves one request at a time, and SQLite runs in
it, so this is the request's own CPU; on a shared machine it moves far less than wall time),
and CPU time in Python's garbage collector. Wall minus CPU is waiting: for SQLite's write lock,
for PostgreSQL's server, or for a core on a loaded machine.
"""

from __future__ import annotations

import gc
import os
import runpy
import time
from pathlib import Path

# The hub's hooks (warm-up before the fork, a warm connection per worker), as deployed.
_HUB_SETTINGS = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
globals().update(
    (name, value)
    for name, value in runpy.run_path(str(_HUB_SETTINGS)).items()
    if not name.startswith("_")
)

_log = None
_started = [0.0, 0.0]
_collecting = [0.0, 0.0]  # the collector's start and its total within the current request


def _on_gc(phase: str, _info: dict) -> None:
    # CPU time: on a loaded machine a collection's wall time counts the waits for a core too.
    if phase == "start":
        _collecting[0] = time.process_time()
    else:
        _collecting[1] += time.process_time() - _collecting[0]


def post_fork(server, worker) -> None:
    global _log
    _log = open(os.environ["BENCH_REQUEST_LOG"], "a", buffering=1, encoding="utf-8")  # noqa: SIM115
    gc.callbacks.append(_on_gc)


def pre_request(worker, req) -> None:
    _collecting[1] = 0.0
    _started[0], _started[1] = time.perf_counter(), time.process_time()


def post_request(worker, req, environ, resp) -> None:
    wall = time.perf_counter() - _started[0]
    cpu = time.process_time() - _started[1]
    kind = environ.get("HTTP_X_BENCH_KIND", "-")
    status = getattr(resp, "status_code", 0) or 0
    _log.write(f"{kind} {status} {wall * 1e6:.0f} {cpu * 1e6:.0f} {_collecting[1] * 1e6:.0f}\n")
