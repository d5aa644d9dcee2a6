"""The question list's page limits go into its text on PostgreSQL (``questions._listed``): with
``LIMIT $1 OFFSET $2`` and each topic's ``LIMIT $3`` PostgreSQL assumed a tenth of the rows for the
one plan it could keep for every value, found it dearer than a plan for the values and planned the
list at every call. SQLite keeps them as parameters (one prepared statement per list form). As
for the start page (test_start_plans.py), the text is what is pinned."""

from __future__ import annotations

import re

import pytest

from hub.extensions import db

LIST_COLUMN = "category_name"  # a column of the list's page statement only


@pytest.fixture
def listed(create_user, create_tag, create_question):
    asker = create_user()
    tag = create_tag("Surfplattor")
    for n in range(30):
        create_question(asker, title=f"Fråga {n}", tags=[tag])
    db.session.commit()
    return tag


def sent_by(client, count_queries, path: str) -> list[str]:
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    return [statement for statement in counter.statements if LIST_COLUMN in statement]


@pytest.mark.parametrize(
    ("path", "limits"),
    [
        ("/fragor", {"21"}),
        ("/fragor?page=3&per_page=10", {"11"}),
        ("/fragor?tagg=surfplattor&page=2", {"21", "41"}),  # the page's, and the topic's (upto)
    ],
)
def test_the_lists_limits_are_written_in_on_postgresql(client, login, create_user, listed,
                                                       count_queries, path, limits):  # fmt: skip
    login(create_user())
    [statement] = sent_by(client, count_queries, path)
    found = set(re.findall(r"LIMIT (\S+?)(?:\)|\s|$)", statement))
    offsets = re.findall(r"OFFSET (\S+?)(?:\)|\s|$)", statement)
    if db.engine.dialect.name == "postgresql":
        assert found == limits, statement
        assert offsets and all(o.isdigit() for o in offsets), statement
        assert "question.hidden = false" in statement  # a bound flag hides the partial indexes
    else:
        assert found == {"?"} and set(offsets) == {"?"}, statement


def test_each_page_of_a_list_shows_its_own_questions(client, login, create_user, listed):
    """The texts kept per page's values give each page its own rows."""
    login(create_user())
    first = client.get("/fragor?per_page=10").text
    second = client.get("/fragor?per_page=10&page=2").text
    titles = [set(re.findall(r">(Fråga \d+)<", page)) for page in (first, second)]
    assert len(titles[0]) == 10 and len(titles[1]) == 10 and not titles[0] & titles[1]
