"""Rows read through the session's connection see what the request has not yet flushed, as the
session's own execute would (``hub.core.db.reading_connection``)."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.core.db import core_rows, reading_connection
from hub.core.models import Tag
from hub.extensions import db


def test_a_pending_change_is_read(app):
    db.session.add(Tag(slug="las-pa-distans", name="Lås på distans"))

    assert core_rows(select(Tag.name).where(Tag.slug == "las-pa-distans")) == [("Lås på distans",)]


def test_without_autoflush_nothing_is_flushed(app):
    db.session.add(Tag(slug="natt-tillsyn", name="Nattillsyn"))
    counted = select(func.count()).select_from(Tag).where(Tag.slug == "natt-tillsyn")

    with db.session.no_autoflush:
        assert reading_connection().scalar(counted) == 0
    assert reading_connection().scalar(counted) == 1
