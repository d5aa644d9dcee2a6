"""``flask hub prune``: old mail, read notices, counters and logs go; everything else stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from hub.extensions import db
from hub.mail.models import OutboxMessage
from hub.notifications.models import Notification
from hub.retention import prune

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def outbox(status: str, age_days: float) -> OutboxMessage:
    return OutboxMessage(
        kind="test",
        to_address="a@laholm.se",
        subject=f"{status} {age_days}",
        body_text="x",
        body_html="<p>x</p>",
        status=status,
        created_at=days_ago(age_days),
    )


def notice(user, age_days: float, read: bool) -> Notification:
    return Notification(
        user_id=user.id,
        kind="test",
        text=f"{age_days} {read}",
        url="/",
        created_at=days_ago(age_days),
        read_at=days_ago(age_days - 1) if read else None,
    )


def subjects() -> set[str]:
    return set(db.session.scalars(select(OutboxMessage.subject)))


def test_prune_deletes_only_what_is_past_retention(app, create_user):
    user = create_user()
    db.session.add_all(
        [
            outbox("sent", 181),
            outbox("failed", 200),
            outbox("sent", 179),
            outbox("pending", 400),  # never sent yet: kept, whatever its age
            notice(user, 366, read=True),
            notice(user, 366, read=False),  # unread: kept
            notice(user, 300, read=True),
        ]
    )
    db.session.commit()

    removed = prune(NOW)
    db.session.commit()

    assert removed["outbox"] == 2 and removed["notifications"] == 1
    assert subjects() == {"sent 179", "pending 400"}
    assert set(db.session.scalars(select(Notification.text))) == {"366 False", "300 True"}
    # Idempotent: a second run finds nothing more.
    again = prune(NOW)
    assert again["outbox"] == again["notifications"] == 0


def test_retention_follows_the_configuration(app):
    db.session.add_all([outbox("sent", 40), outbox("sent", 20)])
    db.session.commit()
    app.config["RETENTION_OUTBOX_DAYS"] = 30
    prune(NOW)
    assert subjects() == {"sent 20"}


def test_prune_command(app):
    db.session.add_all([outbox("sent", 181), outbox("sent", 1)])
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "prune", "--at", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert "outbox 1" in result.output
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_the_worker_prunes_once_a_day(app):
    from hub.mail.worker import DAY, Worker

    jobs = {job.name: job for job in Worker().jobs}
    assert jobs["prune"].every == DAY
    db.session.add(outbox("sent", 400))
    db.session.commit()
    jobs["prune"].run()
    assert subjects() == set()


def test_every_rule_names_a_real_table_and_column(app):
    from hub.retention import RULES

    for rule in RULES:
        assert hasattr(rule.model, rule.column), f"{rule.model}.{rule.column}"
        assert rule.setting in app.config
