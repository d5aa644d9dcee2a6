"""Reference data kept per worker (``hub.core.kept``): read once, no statement after; the rule
that changes it drops it in its worker at once and again when the transaction ends; another
worker's change shows when the kept time is out."""

from __future__ import annotations

import pytest

from hub.core import kept
from hub.core.kept import KeptRows, drop_kept
from hub.directory import listing
from hub.directory.municipalities import create_municipality, create_region, rename_municipality
from hub.extensions import db
from hub.forum import questions
from hub.forum.categories import delete_category, save_category
from hub.forum.models import Category


def read_counted() -> tuple[KeptRows, list[int]]:
    reads = []
    return KeptRows("test-rows", lambda: reads.append(1) or len(reads)), reads


def test_read_once_then_kept_until_the_time_is_out(app, monkeypatch):
    rows, _reads = read_counted()
    assert rows.rows() == 1 and rows.rows() == 1
    later = kept.monotonic() + app.config["REFERENCE_KEPT_SECONDS"]
    monkeypatch.setattr(kept, "monotonic", lambda: later)
    assert rows.rows() == 2


def test_never_kept_when_the_time_is_0(app, monkeypatch):
    monkeypatch.setitem(app.config, "REFERENCE_KEPT_SECONDS", 0)
    rows, _reads = read_counted()
    assert [rows.rows(), rows.rows()] == [1, 2]


def test_a_drop_reads_afresh_now_and_after_the_transaction(app):
    rows, _reads = read_counted()
    assert rows.rows() == 1
    drop_kept()
    assert rows.rows() == 2  # read between the change and its transaction's end
    with db.session.begin_nested():
        pass  # a savepoint's end is not the transaction's
    assert rows.rows() == 2
    db.session.rollback()
    assert rows.rows() == 3  # what that read saw is not kept
    drop_kept()
    drop_kept()  # one listener per transaction, however many changes
    assert rows.rows() == 4
    db.session.commit()
    assert [rows.rows(), rows.rows()] == [5, 5]


@pytest.fixture
def category(app) -> Category:
    found = Category(slug="kategori", name="Välfärdsteknik", position=1)
    db.session.add(found)
    db.session.commit()
    return found


def test_the_lists_categories_cost_no_statement_once_kept(app, count_queries, category):
    first = questions.listed_categories()
    with count_queries() as counter:
        assert questions.listed_categories() == first
    assert counter.count == 0


def test_the_category_rules_drop_the_kept_categories(app, category):
    assert [row.slug for row in questions.listed_categories()] == [category.slug]
    new = save_category(None, "Ny", "ny", position=9)
    assert [row.slug for row in questions.listed_categories()] == [category.slug, "ny"]
    save_category(new, "Nyare", "nyare", position=9)
    assert questions.listed_categories()[-1].name == "Nyare"
    assert delete_category(db.session.get(Category, new.id))
    assert [row.slug for row in questions.listed_categories()] == [category.slug]


@pytest.mark.parametrize("change", ["region", "municipality", "rename"])
def test_the_municipality_rules_drop_the_kept_filter_options(app, change):
    listing.load_filter_options()
    if change == "region":
        create_region("99", "Provlän")
        create_municipality("9901", "Provby", "99")
        assert ("9901", "Provby") in {m[:2] for m in listing.load_filter_options().municipalities}
        return
    if change == "municipality":
        create_municipality("1399", "Nyby", "13")
        shown = {m[:2] for m in listing.load_filter_options().municipalities}
        assert ("1399", "Nyby") in shown
        return
    municipality = db.session.get(listing.Municipality, "1381")
    rename_municipality(municipality, "Laholms kommun")
    shown = {m[:2] for m in listing.load_filter_options().municipalities}
    assert ("1381", "Laholms kommun") in shown


def test_what_is_made_of_the_rows_is_made_once_per_rows_read(app):
    """``KeptRows.made``: found again by the rows' identity (hashing them cost as much as the
    look-up saved), made anew once the rows are read again."""
    rows, reads = read_counted()
    made = []

    def make(found):
        made.append(found)
        return found * 10

    assert [rows.made(make), rows.made(make)] == [10, 10]
    assert made == [1]
    drop_kept()
    assert rows.made(make) == 20 and made == [1, 2] and len(reads) == 2
