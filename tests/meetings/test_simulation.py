"""``flask hub simulate-relay``: runs the real code in a throw-away database, never the real one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.extensions import db
from hub.meetings.models import Network


@pytest.mark.slow
def test_a_year_of_relay_in_a_temporary_database(app, monkeypatch, tmp_path):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    networks_before = db.session.scalar(select(func.count()).select_from(Network))
    result = app.test_cli_runner().invoke(
        args=["hub", "simulate-relay", "--years", "1", "--silent", "0.3", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "Halland" in result.output and "Stockholms län" in result.output
    assert "/4 (" in result.output and "Brev/medlem/år" in result.output
    assert db.session.scalar(select(func.count()).select_from(Network)) == networks_before
    assert list(tmp_path.iterdir()) == []  # the temporary database is gone


def test_bad_options_are_refused(app):
    result = app.test_cli_runner().invoke(args=["hub", "simulate-relay", "--silent", "2"])
    assert result.exit_code != 0 and "--silent" in result.output
