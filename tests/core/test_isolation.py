"""Each test's writes are rolled back: both tests may create the same account."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("run", [1, 2])
def test_writes_do_not_leak_between_tests(create_user, run):
    create_user(email="samma@laholm.se")


@pytest.mark.parametrize("run", [1, 2])
def test_configuration_is_put_back_after_each_test(app, run):
    assert app.config["POSTING_LIMIT_PER_HOUR"] != 1
    app.config["POSTING_LIMIT_PER_HOUR"] = 1


def test_one_app_per_session(app, session_app):
    assert app is session_app
