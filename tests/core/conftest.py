"""Fixtures of the core tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine

from hub.extensions import db


@pytest.fixture
def postgres_engine(app) -> Iterator[Engine]:
    """An engine of its own on the PostgreSQL test database, with one pooled connection, for the
    tests of the engine's set-up (the tests' own requests share one connection that never goes
    back to a pool). Skipped on SQLite."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's connections")
    engine = create_engine(db.engine.url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()
