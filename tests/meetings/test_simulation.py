"""``flask hub simulate-relay``: runs the real code in a throw-away database, never the real one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.extensions import db
from hub.meetings.models import Network


@pytest.mark.slow
def test_a_year_of_relay_in_a_temporary_database(monkeypatch, tmp_path):
    """Through the CLI of an app on its own "real" database, which must stay untouched."""
    import tempfile

    from flask_migrate import upgrade

    from hub import create_app
    from tests.conftest import make_config

    real = create_app(make_config(f"sqlite:///{tmp_path / 'real.db'}"))
    with real.app_context():
        upgrade()
        db.session.remove()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = real.test_cli_runner().invoke(
        args=["hub", "simulate-relay", "--years", "1", "--silent", "0.3", "--seed", "3", "--trace"]
    )
    assert result.exit_code == 0, result.output
    assert "Halland" in result.output and "Stockholms län" in result.output
    assert "/4 (" in result.output and "Brev/medlem/år" in result.output
    assert "== Halland" in result.output and "-- period 4" in result.output  # --trace
    assert "stafett -> " in result.output
    with real.app_context():
        assert db.session.scalar(select(func.count()).select_from(Network)) == 0
        db.session.remove()
        db.engine.dispose()
    assert list(scratch.iterdir()) == []  # the temporary database is gone


def test_the_simulation_refuses_a_session_bound_elsewhere(app):
    from hub.meetings.simulation import simulate

    with pytest.raises(RuntimeError, match="own database"):
        simulate(1, 0.3, 1)  # the test's session is bound to the test database


def test_bad_options_are_refused(app):
    result = app.test_cli_runner().invoke(args=["hub", "simulate-relay", "--silent", "2"])
    assert result.exit_code != 0 and "--silent" in result.output
