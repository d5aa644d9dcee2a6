"""Each test's writes are rolled back: both tests may create the same account."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("run", [1, 2])
def test_writes_do_not_leak_between_tests(create_user, run):
    create_user(email="samma@laholm.se")
