"""Better suggestions (#21): "Vem kan svara?" ranks members by their answers in the question's
topics that became the solution or helped someone, then by the asker's region, then by what
they say they know; through the directory's privacy rule (a hidden member is shown nowhere),
never the asker nor the reader; each links to the person and has a one-tap "Be om svar" (POST,
rate-limited, a notification through the forum's ask rule). And "Du kan kanske svara" (the
start page's and the digest's) never lists the member's own questions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, func, select, update

from hub.core import ratelimit
from hub.core.models import Tag, user_expertise
from hub.directory.models import Profile
from hub.extensions import db
from hub.forum import questions
from hub.forum.models import AskToAnswer, question_tag
from hub.notifications.models import Notification
from tests.conftest import csrf_token


@pytest.fixture
def world(create_user, create_tag, give_expertise, create_question, create_answer):
    tag = create_tag("Läkemedelsrobot")
    asker = create_user(name="Asta Frågar", municipality_code="1381")  # Laholm, Halland
    solver = create_user(name="Örjan Löste", municipality_code="0180")
    helper = create_user(name="Hedda Hjälpte", municipality_code="0180")
    plain = create_user(name="Per Svarade", municipality_code="1381")  # no helpful answer
    near = create_user(name="Vera Varberg", municipality_code="1383")  # knows, same region
    far = create_user(name="Anna Stockholm", municipality_code="0180")  # knows, other region
    hidden = create_user(name="Dolda Dora", municipality_code="1381")
    db.session.add(Profile(user_id=hidden.id, hidden_from_directory=True))
    db.session.commit()
    for person in (near, far, hidden, asker):
        give_expertise(person, tag)
    old = create_question(asker, tags=[tag])
    solution = create_answer(old, solver)
    old.accepted_answer_id = solution.id
    create_answer(old, helper, helpful_count=2)
    create_answer(old, plain)
    other = create_question(helper, tags=[tag])
    other.accepted_answer_id = create_answer(other, hidden).id
    db.session.commit()
    question = create_question(asker, tags=[tag], title="Roboten piper på natten")
    return {"question": question, "asker": asker, "solver": solver, "helper": helper,
            "near": near, "far": far, "hidden": hidden, "plain": plain}  # fmt: skip


def page_of(question, reader) -> questions.PageQuestion:
    """The question as its page reads it (the experts are made from that row)."""
    return questions.read_question_page(reader, question.id).question


def experts_for(question, reader, **options) -> list[questions.Expert]:
    """The list as the question page makes it for this reader."""
    return questions.experts_for(page_of(question, reader), reader, **options)


def names(experts) -> list[str]:
    return [e.person.name for e in experts]


def test_experts_are_ranked_by_solutions_helpful_answers_and_region(app, world, create_user):
    reader = create_user(municipality_code="1380")
    experts = experts_for(world["question"], reader)
    assert names(experts) == ["Örjan Löste", "Hedda Hjälpte", "Vera Varberg", "Anna Stockholm"]
    assert (experts[0].solved, experts[0].helped) == (1, 0)
    assert (experts[1].solved, experts[1].helped) == (0, 1)
    assert experts[2].same_region and not experts[3].same_region


def test_never_the_asker_the_reader_or_a_hidden_member(app, world):
    experts = names(experts_for(world["question"], world["solver"]))
    assert "Örjan Löste" not in experts  # the reader
    assert "Asta Frågar" not in experts and "Dolda Dora" not in experts
    assert experts_for(world["question"], world["solver"], limit=2) != []


def test_a_short_list_shows_only_those_with_a_track_record(app, world, create_user):
    reader = create_user(municipality_code="1380")
    experts = experts_for(world["question"], reader, limit=2)
    assert names(experts) == ["Örjan Löste", "Hedda Hjälpte"]


def test_a_question_in_two_of_the_topics_counts_once(
    app, create_user, create_tag, give_expertise, create_question, create_answer
):
    robot, medicine = create_tag("Robot"), create_tag("Medicin")
    asker, solver = create_user(name="Asta Frågar"), create_user(name="Sune Svarar")
    old = create_question(asker, tags=[robot, medicine])
    old.accepted_answer_id = create_answer(old, solver, helpful_count=1).id
    db.session.commit()
    question = create_question(asker, tags=[robot, medicine])
    [expert] = experts_for(question, create_user())
    assert (expert.person.name, expert.solved, expert.helped) == ("Sune Svarar", 1, 1)


def test_only_the_newest_questions_of_the_topics_count(
    app, create_user, create_tag, create_question, create_answer, monkeypatch
):
    tag = create_tag("Larm")
    asker, early, late = create_user(), create_user(name="Tidig"), create_user(name="Sen")
    first = create_question(asker, tags=[tag])
    first.accepted_answer_id = create_answer(first, early).id
    second = create_question(asker, tags=[tag])
    second.accepted_answer_id = create_answer(second, late).id
    db.session.commit()
    monkeypatch.setattr(questions, "EXPERT_WINDOW", 2)  # this question and the one before
    questions._experts_statement.cache_clear()
    try:
        experts = experts_for(create_question(asker, tags=[tag]), create_user())
    finally:
        questions._experts_statement.cache_clear()
    assert names(experts) == ["Sen"]


def test_the_page_links_each_expert_and_asks_with_one_tap(client, login, world, create_user):
    reader = create_user(name="Lisa Läsare", municipality_code="1380")
    login(reader)
    question, solver = world["question"], world["solver"]
    url = f"/fragor/{question.id}/roboten-piper-pa-natten"
    page = client.get(url).text
    aside = page.split('id="vem-kan-svara"')[1].split("</aside>")[0]
    assert f'href="/katalog/{solver.id}"' in aside and "1 svar blev lösningen" in aside
    assert "1 svar hjälpte någon" in aside and "Kan ämnet, enligt sin profil" in aside
    action = f"/fragor/{question.id}/be-svara/{solver.id}"
    assert f'action="{action}"' in aside

    asked = client.post(action, data={"csrf_token": csrf_token(page)})
    assert asked.status_code == 303 and asked.headers["Location"].endswith("#vem-kan-svara")
    [note] = db.session.scalars(select(Notification).where(Notification.user_id == solver.id))
    assert note.kind == "ask_to_answer" and "Lisa Läsare" in note.text
    page = client.get(url).text
    assert "Vi har bett Örjan Löste att svara." in page
    aside = page.split('id="vem-kan-svara"')[1].split("</aside>")[0]
    assert f'action="{action}"' not in aside and "Tillfrågad" in aside

    again = client.post(action, data={"csrf_token": csrf_token(page)})
    assert again.status_code == 303
    assert "Örjan Löste är redan tillfrågad." in client.get(url).text
    assert db.session.scalar(select(func.count(AskToAnswer.id))) == 1


def test_one_tap_refusals(client, login, world, create_user):
    login(world["asker"])
    question = world["question"]
    token = csrf_token(client.get("/fragor/ny").text)
    ask = lambda person_id, **data: client.post(  # noqa: E731
        f"/fragor/{question.id}/be-svara/{person_id}", data={"csrf_token": token, **data}
    )
    assert ask(world["hidden"].id).status_code == 404  # a hidden member is nobody
    assert ask(999_999).status_code == 404
    myself = ask(world["asker"].id)
    assert myself.status_code == 400 and "Du kan inte be dig själv att svara." in myself.text
    forged = client.post(f"/fragor/{question.id}/be-svara/{world['near'].id}")
    assert forged.status_code == 400
    assert db.session.scalar(select(func.count(AskToAnswer.id))) == 0


def test_one_tap_is_rate_limited(client, login, world, create_user, create_question, app):
    login(world["asker"])
    for _ in range(10):
        ratelimit.record("ask-to-answer", world["asker"].id)
    db.session.commit()
    page = client.get("/fragor/ny").text
    refused = client.post(
        f"/fragor/{world['question'].id}/be-svara/{world['near'].id}",
        data={"csrf_token": csrf_token(page)},
    )
    assert refused.status_code == 429 and "Försök igen senare" in refused.text
    assert db.session.scalar(select(func.count(AskToAnswer.id))) == 0


def test_my_own_questions_are_never_under_you_may_answer(
    client, login, create_user, create_tag, give_expertise, create_question
):
    tag = create_tag("Surfplatta")
    member = create_user(name="Mia Medlem")
    give_expertise(member, tag)
    create_question(member, tags=[tag], title="Min egen fråga om surfplattan")
    create_question(create_user(), tags=[tag], title="En kollegas fråga om surfplattan")
    login(member)
    start = client.get("/").text
    waiting = start.split("Frågor som väntar på dig")[1].split("</li>\n  </ul>")[0]
    assert "En kollegas fråga om surfplattan" in waiting
    assert "Min egen fråga om surfplattan" not in waiting
    assert re.search(r"Min egen fråga", start.split("Nya frågor")[1])  # still among the new


def test_of_many_who_know_the_topics_the_best_ranked_are_shown(
    app, create_user, create_tag, give_expertise, create_question
):
    """Those who only say they know a topic are ranked and cut to the list's length before
    they are joined to their members (the whole list ranks them the same way): by the asker's
    region, then how many of the topics they know, then by name."""
    tags = [create_tag("Nattkamera"), create_tag("Sensorer")]
    asker = create_user(name="Asta Frågar", municipality_code="1381")  # Halland
    people = [
        ("Bo Båda", "0180", tags),
        ("Ann Båda", "0180", tags),
        ("Ola Nära", "1383", tags[:1]),
        ("Eva Nära", "1383", tags),
        ("Ulf Ett", "0180", tags[1:]),
        ("Cia Ett", "0180", tags[:1]),
        ("Kim Ett", "0180", tags[:1]),
    ]
    for name, code, known in people:
        give_expertise(create_user(name=name, municipality_code=code), *known)
    question = create_question(asker, tags=tags)
    shown = names(experts_for(question, create_user(municipality_code="1380")))
    assert shown == ["Eva Nära", "Ola Nära", "Ann Båda", "Bo Båda", "Cia Ett"]


@pytest.fixture
def kept_rankings(app, monkeypatch):
    """Rankings kept as in production, in a store of this test's own."""
    monkeypatch.setitem(app.config, "FORUM_EXPERTS_KEPT_SECONDS", 60)
    monkeypatch.setitem(app.extensions, questions.EXPERT_RANKINGS, {})
    monkeypatch.setitem(app.extensions, questions.EXPERT_GUESSES, {})
    return app.extensions[questions.EXPERT_RANKINGS]


def fresh(app, monkeypatch, question, reader, **options):
    """The list made anew, as with no ranking kept."""
    with monkeypatch.context() as patched:
        patched.setitem(app.config, "FORUM_EXPERTS_KEPT_SECONDS", 0)
        patched.setitem(app.extensions, questions.EXPERT_RANKINGS, {})
        return questions.experts_for(question, reader, **options)


def test_a_kept_ranking_gives_every_reader_their_own_list(
    app, world, create_user, kept_rankings, monkeypatch, count_queries
):
    """One ranking per topics and place, whoever reads: the asker and each reader are taken
    out afterwards, and the list is the one made for that reader alone."""
    readers = [world["solver"], world["helper"], world["near"], world["asker"],
               create_user(municipality_code="1380"), create_user()]  # fmt: skip
    question = page_of(world["question"], world["asker"])
    first = questions.experts_for(question, readers[0])
    assert len(kept_rankings) == 1
    for reader in readers:
        for limit in (5, 2):
            kept = questions.experts_for(question, reader, limit=limit)
            assert kept == fresh(app, monkeypatch, question, reader, limit=limit)
            with count_queries() as statements:
                questions.experts_for(question, reader, limit=limit)
            assert statements.count == 1, statements.statements  # the faces, by primary key
    assert first[0].person.name == "Hedda Hjälpte"  # the solver reads: not shown to himself
    assert len(kept_rankings) == 2  # limit 2 is ranked apart


def test_who_is_shown_and_who_was_asked_are_read_on_every_page(
    app, world, create_user, kept_rankings, monkeypatch
):
    question, reader = world["question"], create_user(municipality_code="1380")
    assert names(experts_for(question, reader))[:2] == ["Örjan Löste", "Hedda Hjälpte"]
    db.session.add(Profile(user_id=world["solver"].id, hidden_from_directory=True))
    world["helper"].name = "Hedda Nyman"
    db.session.add(AskToAnswer(question_id=question.id, asked_user_id=world["helper"].id,
                               asked_by_id=reader.id))  # fmt: skip
    db.session.commit()
    experts = experts_for(question, reader)
    assert names(experts)[0] == "Hedda Nyman" and experts[0].asked
    assert "Örjan Löste" not in names(experts)
    assert experts == fresh(app, monkeypatch, page_of(question, reader), reader)


def test_one_who_takes_the_topic_off_their_profile_is_gone_from_a_kept_ranking_at_once(
    app, create_user, create_tag, give_expertise, create_question, kept_rankings
):
    """Ranked only for knowing the topic, a member who no longer says so is not shown while the
    ranking is kept; one with a track record in the topic still is (it was not for knowing)."""
    tag = create_tag("Sensorer")
    asker = create_user(name="Asta Frågar", municipality_code="1381")
    knowers = [create_user(name=f"Kunnig {letter}") for letter in "AB"]
    for person in knowers:
        give_expertise(person, tag)
    question, reader = create_question(asker, tags=[tag]), create_user()
    assert names(experts_for(question, reader)) == ["Kunnig A", "Kunnig B"]
    db.session.execute(delete(user_expertise).where(user_expertise.c.user_id == knowers[0].id))
    db.session.commit()
    assert names(experts_for(question, reader)) == ["Kunnig B"]


def test_a_ranking_with_too_many_gone_is_made_anew_and_an_old_one_too(
    app, create_user, create_tag, give_expertise, create_question, kept_rankings, monkeypatch
):
    tag = create_tag("Sensorer")
    asker = create_user(name="Asta Frågar", municipality_code="1381")
    people = [create_user(name=f"Kunnig {letter}") for letter in "ABCDEFGHIJKL"]
    give_expertise(asker, tag)
    for person in people:
        give_expertise(person, tag)
    question, reader = create_question(asker, tags=[tag]), create_user()
    assert names(experts_for(question, reader)) == [f"Kunnig {c}" for c in "ABCDE"]
    for person in people[:4]:  # more than the ranking's spare
        db.session.add(Profile(user_id=person.id, hidden_from_directory=True))
    db.session.commit()
    assert names(experts_for(question, reader)) == [f"Kunnig {c}" for c in "EFGHI"]
    for person in people[4:6]:
        person.active = False
    give_expertise(create_user(name="Kunnig 0"), tag)
    db.session.commit()
    assert names(experts_for(question, reader)) == [f"Kunnig {c}" for c in "GHIJK"]
    later = questions.time.monotonic() + 61
    monkeypatch.setattr(questions.time, "monotonic", lambda: later)
    assert names(experts_for(question, reader))[0] == "Kunnig 0"


def test_one_ranking_is_kept_per_topics_and_region(
    app, world, create_user, create_question, kept_rankings, monkeypatch, count_queries
):
    """The ranking reads the asker's place only for its region (who ranks first among equals):
    askers in two of Halland's municipalities share one kept ranking, each reader still getting
    the list made for them alone; an asker in Stockholm's region has one of their own. Kept per
    municipality, a worker made the ranking again for each of a region's municipalities."""
    tags = page_of(world["question"], world["asker"]).tags
    [tag] = db.session.scalars(select(Tag).where(Tag.id == tags[0].id))
    halmstad = create_question(create_user(municipality_code="1380"), tags=[tag])
    stockholm = create_question(create_user(municipality_code="0180"), tags=[tag])
    reader = create_user()
    laholm = questions.experts_for(page_of(world["question"], reader), reader)
    page = page_of(halmstad, reader)
    with count_queries() as statements:
        kept = questions.experts_for(page, reader)
    assert statements.count == 1, statements.statements  # the faces of the kept ranking
    assert len(kept_rankings) == 1
    assert kept == fresh(app, monkeypatch, page, reader)
    assert kept[0].person.name == laholm[0].person.name
    other = questions.experts_for(page_of(stockholm, reader), reader)
    assert len(kept_rankings) == 2
    assert other == fresh(app, monkeypatch, page_of(stockholm, reader), reader)
    assert [e.person.name for e in kept if e.same_region] == ["Asta Frågar", "Vera Varberg"]
    assert [e.person.name for e in other if e.same_region] == [
        "Örjan Löste", "Hedda Hjälpte", "Anna Stockholm"
    ]  # fmt: skip


def test_the_people_read_with_the_pages_row_are_those_of_their_own_statement(
    app, world, create_user, kept_rankings, monkeypatch, count_queries
):
    """Once a question's page showed a kept ranking, its next page reads the ranked people with
    the question's row (no statement after it): the same list, hidden, renamed, asked and
    no-longer-knowing members as read afresh by their own statement."""
    question, reader = world["question"], create_user()
    experts_for(question, reader)  # ranked and kept: the page's next row reads its people
    db.session.add(Profile(user_id=world["solver"].id, hidden_from_directory=True))
    world["helper"].name = "Hedda Nyman"
    db.session.add(AskToAnswer(question_id=question.id, asked_user_id=world["helper"].id,
                               asked_by_id=reader.id))  # fmt: skip
    db.session.execute(delete(user_expertise).where(user_expertise.c.user_id == world["near"].id))
    db.session.commit()
    read = questions.read_question_page(reader, question.id)
    assert read.experts is not None
    with count_queries() as statements:
        with_row = questions.experts_for(read.question, reader, read=read.experts)
    assert statements.count == 0, statements.statements
    assert with_row == questions.experts_for(read.question, reader)  # by their own statement
    assert with_row == fresh(app, monkeypatch, read.question, reader)
    assert names(with_row)[0] == "Hedda Nyman" and with_row[0].asked
    assert not {"Örjan Löste", "Vera Varberg", "Dolda Dora"} & set(names(with_row))


def test_a_guess_from_before_the_topics_changed_is_not_used(
    app, world, create_user, create_tag, give_expertise, create_question, kept_rankings,
    monkeypatch, count_queries,
):  # fmt: skip
    """The people read with the row are those of the ranking the question showed last: once
    its topics changed, its list is that of its new topics (ranked anew, or from the other
    topics' kept ranking, whose people are then read by their own statement)."""
    question, reader = world["question"], create_user()
    experts_for(question, reader)
    other_tag = create_tag("Sensorer")
    give_expertise(create_user(name="Kunnig Ny"), other_tag)
    experts_for(create_question(create_user(), tags=[other_tag]), reader)  # kept for its topic
    on_question = question_tag.c.question_id == question.id
    db.session.execute(update(question_tag).where(on_question).values(tag_id=other_tag.id))
    db.session.commit()
    for sent in (1, 0):  # the other topic's kept ranking's people; then read with the row
        read = questions.read_question_page(reader, question.id)
        with count_queries() as statements:
            shown = questions.experts_for(read.question, reader, read=read.experts)
        assert statements.count == sent, statements.statements
        assert names(shown) == ["Kunnig Ny"]
        assert shown == fresh(app, monkeypatch, read.question, reader)
    db.session.execute(delete(question_tag).where(on_question))
    db.session.commit()
    read = questions.read_question_page(reader, question.id)
    assert questions.experts_for(read.question, reader, read=read.experts) == []


def test_the_pages_row_reads_only_the_rankings_first_people(
    app, create_user, create_tag, give_expertise, create_question, kept_rankings, count_queries
):
    """The ranking holds ``EXPERT_SPARE`` more than the list: the page's row reads only the
    first of it but the asker and the reader, as many as the list shows (each member read cost
    the server ~6–8 buffers). Should one of those be gone, the rest are read by one statement,
    not the ranking made anew: the same list either way."""
    tag = create_tag("Sensorer")
    asker = create_user(name="Asta Frågar", municipality_code="1381")
    people = [create_user(name=f"Kunnig {letter}") for letter in "ABCDEFGHIJKL"]
    for person in [asker, *people]:
        give_expertise(person, tag)
    question, reader = create_question(asker, tags=[tag]), people[1]
    assert names(experts_for(question, reader)) == [f"Kunnig {c}" for c in "ACDEF"]
    read = questions.read_question_page(reader, question.id)
    assert read.experts.ids == tuple(p.id for p in [people[0], *people[2:6]])  # not B, the asker
    assert len(read.experts.ranking) == 9
    with count_queries() as statements:
        shown = questions.experts_for(read.question, reader, read=read.experts)
    assert statements.count == 0, statements.statements
    assert names(shown) == [f"Kunnig {c}" for c in "ACDEF"]
    db.session.add(Profile(user_id=people[2].id, hidden_from_directory=True))  # one of the five
    db.session.commit()
    read = questions.read_question_page(reader, question.id)
    with count_queries() as statements:
        shown = questions.experts_for(read.question, reader, read=read.experts)
    assert statements.count == 1, statements.statements  # the rest read, not ranked anew
    assert names(shown) == [f"Kunnig {c}" for c in "ADEFG"]
    assert len(kept_rankings) == 1


def test_whether_a_member_knows_the_topic_is_read_only_for_those_ranked_for_it(
    app, world, create_user, kept_rankings
):
    """A track record needs no topic: the row reads "knows" only for those ranked for knowing
    alone (the solver knows the topic too, and is shown for his solution)."""
    reader = create_user()
    topic = page_of(world["question"], reader).tags[0].id
    db.session.execute(user_expertise.insert().values(user_id=world["solver"].id, tag_id=topic))
    db.session.commit()
    experts_for(world["question"], reader)
    read = questions.read_question_page(reader, world["question"].id)
    people = read.experts.people
    assert people[world["near"].id].knows and people[world["far"].id].knows
    assert not people[world["solver"].id].knows  # not read: not needed
    shown = questions.experts_for(read.question, reader, read=read.experts)
    assert names(shown) == ["Örjan Löste", "Hedda Hjälpte", "Vera Varberg", "Anna Stockholm"]
