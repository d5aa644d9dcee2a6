"""``flask hub worker``: the background jobs on a schedule, for installations without cron.

Several workers at once are safe: the outbox claims and the digests' unique key decide who sends.
SIGTERM (or Ctrl-C) lets the current step finish, then the loop ends with exit status 0.
"""

from __future__ import annotations

import inspect
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from hub.core.db import utcnow
from hub.extensions import db

log = logging.getLogger(__name__)

DAY = 24 * 3600


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], object]
    due_at: float = 0.0


def optional(module: str, name: str) -> Callable[[], object] | None:
    """A job another part may or may not have built yet (called with ``now`` if it takes one)."""
    try:
        function = getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None
    required = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if required:
        return lambda: function(utcnow())
    return function


def send_mail_job() -> object:
    from hub.core.reports import mail_waiting_reports
    from hub.mail.notifications import send_notification_emails
    from hub.mail.sender import send_all
    from hub.meetings.mailing import send_due_updates

    waiting = mail_waiting_reports(), send_due_updates()
    return waiting, send_notification_emails(), send_all()


def digests_job() -> object:
    from hub.digests.run import run_digests

    return run_digests()


class Worker:
    def __init__(self, mail_every: float = 30, other_every: float = 300) -> None:
        self.stopping = False
        self.jobs = [
            Job("send-mail", mail_every, send_mail_job),
            Job("digests", other_every, digests_job),
        ]
        for name, module, function in (
            ("baton-check", "hub.meetings.reminders", "run_baton_check"),
            ("escalations", "hub.forum.escalation", "run_escalations"),
            ("material-previews", "hub.material.previews", "run_previews"),
            ("invitation-reminders", "hub.auth.invitations", "run_invitation_reminders"),
        ):
            found = optional(module, function)
            if found is not None:
                self.jobs.append(Job(name, other_every, found))
        # Retention (``flask hub prune``) once a day; the first run is at start-up.
        found = optional("hub.core.retention", "run_prune")
        if found is not None:
            self.jobs.append(Job("prune", DAY, found))

    def stop(self, *_args) -> None:
        log.info("Arbetaren avslutar efter pågående steg.")
        self.stopping = True

    def run(self, max_loops: int | None = None) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log.info("Arbetaren startar: %s", ", ".join(job.name for job in self.jobs))
        loops = 0
        while not self.stopping:
            self.run_due_jobs()
            loops += 1
            if max_loops is not None and loops >= max_loops:
                break
            self.sleep_until_next()

    def run_due_jobs(self) -> None:
        for job in self.jobs:
            if self.stopping:
                return
            if time.monotonic() < job.due_at:
                continue
            try:
                result = job.run()
                log.info("%s: %s", job.name, result)
            except Exception:  # one failing job must not stop the others; it is retried next time
                log.exception("%s misslyckades", job.name)
                db.session.rollback()
            finally:
                db.session.remove()
            job.due_at = time.monotonic() + job.every

    def sleep_until_next(self) -> None:
        wake = min(job.due_at for job in self.jobs)
        while not self.stopping and time.monotonic() < wake:
            time.sleep(min(0.5, max(wake - time.monotonic(), 0)))
