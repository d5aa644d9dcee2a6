"""gunicorn's settings for the hub (README: ``gunicorn -c gunicorn.conf.py --preload … wsgi:app``;
gunicorn also reads this file by itself when started in this folder).

The hub's start-up work (``hub.warmup``) is done before a worker's first request: in the master
before it forks the workers when the app is preloaded, else in each worker once it has loaded
the app. Each worker then opens its database connection and sends a search's statements once
(``hub.warmup.warm_worker``), so that the server's first-connection work is not in a member's
first request. A worker that stops writes the question views it counted (``worker_exit``). Any
other app served with this file (the benchmark's bare page) is left alone.
"""

from __future__ import annotations


def when_ready(server) -> None:
    if server.cfg.preload_app:
        _warm(server.app.wsgi())


def post_worker_init(worker) -> None:
    if not worker.cfg.preload_app:
        _warm(worker.wsgi)
    if _is_hub(worker.wsgi):
        from hub.warmup import warm_worker

        warm_worker(worker.wsgi)


def worker_exit(_server, worker) -> None:
    app = getattr(worker, "wsgi", None)  # None: the worker stopped before it loaded the app
    if _is_hub(app):
        from hub.forum.viewcounts import flush_before_exit

        flush_before_exit(app)


def _warm(app) -> None:
    if _is_hub(app):
        from hub.warmup import warm_up

        warm_up(app)


def _is_hub(app) -> bool:
    return getattr(app, "import_name", None) == "hub"
