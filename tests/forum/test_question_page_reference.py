"""The question page names its category and its people's municipalities from the reference rows
each worker keeps (``hub.core.kept``), not by joins in its row (issue 17): what it shows stays
the same, also for a municipality or category made or renamed a moment ago."""

from __future__ import annotations

from hub.directory.models import Municipality
from hub.directory.municipalities import rename_municipality
from hub.extensions import db
from hub.forum.models import Category


def page(client, question_id: int) -> str:
    return client.get(client.get(f"/fragor/{question_id}").location).text


def page_row(statements: list[str]) -> str:
    return next(s for s in statements if "AS answers" in s)


def test_the_page_row_joins_neither_category_nor_municipality(
    client, login, create_user, create_question, create_answer, count_queries
):
    question = create_question(create_user())
    create_answer(question, create_user())
    login(create_user())
    page(client, question.id)  # warm: the reference rows kept
    with count_queries() as counter:
        shown = page(client, question.id)
    row = " ".join(page_row(counter.statements).lower().split())
    assert "join municipality" not in row and "join category" not in row
    assert "municipality.name" not in row and "category.name" not in row
    assert "Laholms kommun" in shown and "Välfärdsteknik" in shown


def test_a_municipality_renamed_here_is_shown_by_its_new_name_at_once(
    client, login, create_user, create_question, create_answer
):
    question = create_question(create_user())
    create_answer(question, create_user(municipality_code="1381"))
    login(create_user())
    assert "Laholms kommun" in page(client, question.id)
    rename_municipality(db.session.get(Municipality, "1381"), "Lagaholm")
    db.session.commit()
    shown = page(client, question.id)
    assert "Lagaholms kommun" in shown and "Laholms kommun" not in shown


def test_a_municipality_and_a_category_made_in_another_worker_are_read_afresh(
    client, login, create_user, create_question, create_answer
):
    """Made behind this worker's kept rows (no ``drop_kept`` here): the page reads them again."""
    login(create_user())
    page(client, create_question(create_user()).id)  # the reference rows kept
    db.session.add(Municipality(scb_code="1399", name="Nyby", region_code="13"))
    db.session.add(Category(slug="nytt-amne", name="Nytt ämne", position=9))
    db.session.commit()
    category_id = db.session.query(Category.id).filter_by(slug="nytt-amne").scalar()
    asker = create_user(municipality_code="1399")
    question = create_question(asker, category_id=category_id)
    create_answer(question, create_user(municipality_code="1399"))
    shown = page(client, question.id)
    assert shown.count("Nyby kommun") == 2  # the asker's and the answer's
    assert 'href="/fragor?kategori=nytt-amne">Nytt ämne</a>' in shown
