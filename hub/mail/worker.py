"""``flask hub worker``: the background jobs on a schedule, for installations without cron.

Several workers at once are safe: the outbox claims and the digests' unique key decide who sends.
SIGTERM (or Ctrl-C) lets the current step finish, then the loop ends with exit status 0.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.auth.invitations import run_invitation_reminders
from hub.core.db import utcnow
from hub.digests.run import run_digests
from hub.extensions import db
from hub.forum.escalation import run_escalations
from hub.mail.notifications import send_notification_emails
from hub.mail.sender import send_all
from hub.material.previews import run_previews
from hub.meetings.mailing import send_due_updates
from hub.meetings.reminders import run_baton_check
from hub.retention import run_prune
from hub.site.reports import mail_waiting_reports

log = logging.getLogger(__name__)

DAY = 24 * 3600


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], object]
    due_at: float = 0.0


def send_mail_job() -> object:
    waiting = mail_waiting_reports(), send_due_updates()
    return waiting, send_notification_emails(), send_all()


class Worker:
    def __init__(self, mail_every: float = 30, other_every: float = 300) -> None:
        self.stopping = False
        self.jobs = [
            Job("send-mail", mail_every, send_mail_job),
            Job("digests", other_every, run_digests),
            Job("baton-check", other_every, lambda: run_baton_check(utcnow())),
            Job("escalations", other_every, lambda: run_escalations(utcnow())),
            Job("material-previews", other_every, lambda: run_previews(utcnow())),
            Job("invitation-reminders", other_every, lambda: run_invitation_reminders(utcnow())),
            # Retention (``flask hub prune``) once a day; the first run is at start-up.
            Job("prune", DAY, run_prune),
        ]

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
