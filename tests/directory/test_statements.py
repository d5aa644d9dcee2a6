"""Directory pages issue a fixed number of statements, whatever the page size."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.auth.models import Role, User
from hub.directory.listing import name_prefix_condition
from hub.extensions import db

MAX_STATEMENTS = 8


@pytest.fixture
def many(create_person, create_network, create_user, login):
    for n in range(60):
        create_person(
            name=f"Person {n:02d}",
            municipality_code="1381" if n % 2 else "0180",
            role_type_slug="digitaliseringsombud",
            areas=("aldreomsorg", "funktionshinder")[: 1 + n % 2],
            tags=("Surfplattor", f"Ämne {n % 7}"),
        )
    viewer = create_user(role=Role.COORDINATOR)
    create_network(slug="halland", codes=("1381", "1383"), coordinators=[viewer])
    login(viewer)
    return viewer


def statements_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm up: the first request compiles templates and loads mappers
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, response.text
    print(url, counter.count)
    return counter.count


@pytest.mark.parametrize(
    "url",
    [
        "/katalog?per_page={n}",
        "/katalog?per_page={n}&q=person&omrade=aldreomsorg&tagg=surfplattor&roll=digitaliseringsombud",
        "/katalog?per_page={n}&region=13&kommun=1381",
        "/kommun/1381?per_page={n}",
    ],
)
def test_list_pages_cost_the_same_at_10_and_50(client, count_queries, many, url):
    at_10 = statements_for(client, count_queries, url.format(n=10))
    at_50 = statements_for(client, count_queries, url.format(n=50))
    assert at_10 == at_50
    assert at_50 <= MAX_STATEMENTS


def test_page_past_the_end_stays_within_budget(client, count_queries, many):
    assert statements_for(client, count_queries, "/katalog?page=500") <= MAX_STATEMENTS


def test_person_page_and_exports_stay_within_budget(client, count_queries, many, create_person):
    person = create_person(name="Petra", tags=("Surfplattor", "Teams"), areas=("aldreomsorg",))
    assert statements_for(client, count_queries, f"/katalog/{person.id}") <= MAX_STATEMENTS
    assert statements_for(client, count_queries, f"/katalog/{person.id}.vcf") <= MAX_STATEMENTS
    csv_count = statements_for(client, count_queries, "/natverk/halland/medlemmar.csv")
    assert csv_count <= MAX_STATEMENTS
    assert statements_for(client, count_queries, "/installningar/profil") <= MAX_STATEMENTS


def test_name_search_reads_the_name_and_surname_indexes(app, many):
    """A surname prefix as well as a full-name prefix is an index range, never a scan of every
    account. (Which index the whole listing query starts from is the planner's choice: with
    the 60 matching people here it rightly walks the name order.)"""
    statement = select(User.id).where(name_prefix_condition("pers"))
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        plan = "\n".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        assert "ix_user_surname_key_prefix" in plan
        assert "SCAN user" not in plan
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: any plan
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}"))
        assert "ix_user_surname_key_prefix" in plan
        assert 'Seq Scan on "user"' not in plan


@pytest.mark.parametrize("url", ["/katalog", "/katalog?tagg=surfplattor", "/katalog?q=person"])
def test_a_directory_page_is_the_member_and_one_statement(client, count_queries, many, url):
    """The shown people's care areas and topics come with their rows (their slugs and ids,
    named from the kept choices): a statement of their own was a round trip on every page."""
    assert statements_for(client, count_queries, url) == 2
    page = client.get(url).text
    assert "Äldreomsorg" in page and "Funktionshinder" in page and "Surfplattor" in page
    assert "Ämne 3" in page
