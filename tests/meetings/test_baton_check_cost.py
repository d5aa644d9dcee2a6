"""baton-check costs a fixed number of statements per network, however long the history."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.extensions import db
from hub.meetings.reminders import run_baton_check
from tests.meetings.relay_data import build_relay_history

NOW = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)


def statements(count_queries) -> list[str]:
    with count_queries() as counter:
        run_baton_check(NOW)
    return counter.statements


def test_statements_do_not_grow_with_networks_or_history(app, count_queries):
    build_relay_history(3, 6, 1, until=NOW, prefix="a")
    db.session.commit()
    run_baton_check(NOW)  # the due first reminders, so that the next runs only look
    small = statements(count_queries)
    build_relay_history(12, 30, 10, until=NOW, prefix="b")
    db.session.commit()
    run_baton_check(NOW)
    large = statements(count_queries)
    assert len(small) == len(large), "\n\n".join(large)
    assert len(large) <= 12
