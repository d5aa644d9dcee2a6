"""A directory page's statement carries the limits of its first pages in its text
(``listing.Window``): given ``LIMIT $1 OFFSET $2`` PostgreSQL assumed a tenth of the rows were
wanted, found the plan it could keep for every value dearer than one planned for the values, and
planned the plain directory at every call (0.66 ms planning against 0.40 executing at large), and
pages 2-5 too until session 16 (a region's 3-7 ms). The text is what is pinned, as in
tests/forum/test_start_plans.py: whether PostgreSQL then keeps one plan is its costing of the
data (bench/README.md, "session 12, directory3"; ``bench/directory_plans.py``). A name on
PostgreSQL writes them in too since session 16 (see ``listing.Window``)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from hub.directory import listing
from hub.extensions import db

FIRST_PAGES = [
    "/katalog",
    "/katalog?per_page=50",
    "/katalog?region=13",
    "/katalog?kommun=1381",
    "/katalog?tagg=surfplattor",
    "/katalog?q=ann",
    "/kommun/1381",
]


@pytest.fixture
def people(create_person, create_user, login):
    for n, code in enumerate(("1381", "1384", "0180")):
        create_person(name=f"Anna {n}", municipality_code=code, tags=("Surfplattor",))
    login(create_user(name="Vera Läsare"))


def page_statements(client, url: str) -> list[str]:
    """The statements of ``url`` that list people (those that count them too)."""
    sent: list[str] = []

    def keep(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if "AS total" in statement:
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert len(sent) == 1, sent
    return sent


@pytest.mark.parametrize("url", FIRST_PAGES)
def test_a_first_page_writes_its_limits_in(client, people, url):
    [statement] = page_statements(client, url)
    per_page = "50" if "per_page=50" in url else "20"
    assert not re.search(r"LIMIT (\?|%\()", statement), statement  # no parameter
    # the page's own and the count's bound
    assert set(re.findall(r"LIMIT (\d+)", statement)) == {per_page, str(listing.COUNT_BEYOND + 1)}
    if db.engine.dialect.name == "postgresql":  # SQLite's dialect writes OFFSET ? (0) always
        # (a region's count keeps each municipality's members apart: listing._region_members)
        assert "OFFSET" not in statement.replace("LIMIT ALL OFFSET 0) AS members", "")


@pytest.mark.parametrize("query", ["", "q=ann&", "tagg=surfplattor&", "region=13&"])
def test_pages_up_to_the_fifth_write_their_offset_in(client, people, query):
    """Pages 2-5 (a fifth of the mix's directory pages) kept parameters, and PostgreSQL planned
    the plain directory's and a region's at every call (1.1-7 ms, bench/directory_plans.py).
    (SQLite's dialect writes ``OFFSET ?`` after a count's written limit: 0, always.)"""
    for page in (2, listing.WRITTEN_PAGES):
        [statement] = page_statements(client, f"/katalog?{query}page={page}")
        assert not re.search(r"(LIMIT|OFFSET) (\?|%\()", statement.replace("OFFSET ?)", ")"))
        assert f"LIMIT 20 OFFSET {(page - 1) * 20}" in statement, statement
        count_to = (page - 1) * 20 + listing.COUNT_BEYOND + 1
        assert f"LIMIT {count_to}" in statement, statement


def test_a_municipalitys_later_pages_keep_their_parameters(client, people):
    """Written in, PostgreSQL's kept plan for a municipality's third page hashed every profile
    (see ``listing.page_window``)."""
    second, third = (page_statements(client, f"/katalog?kommun=1381&page={n}")[0] for n in (2, 3))
    assert second == third
    assert re.search(r"LIMIT (\?|%\()", second) and not re.search(r"LIMIT \d", second)


def test_later_pages_share_one_statement(client, people):
    later = (listing.WRITTEN_PAGES + 1, listing.WRITTEN_PAGES + 2)
    sixth, seventh = (page_statements(client, f"/katalog?page={n}")[0] for n in later)
    assert sixth == seventh
    assert re.search(r"LIMIT (\?|%\()", sixth) and not re.search(r"LIMIT \d", sixth)


def test_a_first_page_of_any_length_is_one_kept_statement(client, people, monkeypatch):
    """A first page's limits are written into the text when it is sent (``written_in``), not
    built into the statement: one kept statement serves every page length (each was one of its
    own, kept without bound), and what ``listing.prepared`` keeps is bounded."""
    monkeypatch.setattr(listing, "_prepared", {})
    for per_page in (10, 20, 50):
        assert client.get(f"/katalog?per_page={per_page}").status_code == 200
    pages = [key for key in listing._prepared if key[1] == "page"]
    assert len(pages) == 1, pages
    monkeypatch.setattr(listing, "MAX_PREPARED", 2)
    for url in ("/katalog?region=13", "/katalog?kommun=1381", "/katalog?tagg=surfplattor"):
        assert client.get(url).status_code == 200
        assert len(listing._prepared) <= 2
