"""Meetings, topic suggestions and people beside the posts: found by any word form, people only
as the directory lists them, each section with its own "more" link."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import text as sql_text

from hub.core.db import utcnow
from hub.core.markdown import render_markdown
from hub.core.models import Tag, user_expertise
from hub.directory.models import Profile
from hub.extensions import db
from hub.forum.lemmas import query_terms
from hub.forum.search import backend
from hub.forum.search_items import (
    KEPT_EXPERTS,
    MEETING,
    TOPIC,
    rebuild_items,
    reindex_meeting,
    search_items,
    search_meetings,
    search_people,
    search_topics,
)
from hub.meetings import participation, scheduling
from hub.meetings.models import Meeting, Network, TopicSuggestion

_counter = itertools.count(1)


@pytest.fixture
def network(app) -> Network:
    network = Network(slug=f"natverk-{next(_counter)}", name="Halland", rhythm_months=3)
    db.session.add(network)
    db.session.flush()
    return network


def make_meeting(network, title, *, agenda="", minutes="", days=10, topics=()) -> Meeting:
    n = next(_counter)
    starts_at = utcnow() + timedelta(days=days)
    meeting = Meeting(
        network_id=network.id, host_code="1381", title=title, starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2), agenda_source=agenda,
        agenda_html=render_markdown(agenda), minutes_source=minutes,
        minutes_html=render_markdown(minutes), status="scheduled" if days > 0 else "held",
        open_slot=None, uid=f"sok-{n}@stafetten.se", created_at=utcnow(), updated_at=utcnow(),
    )  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    for text in topics:
        db.session.add(TopicSuggestion(meeting_id=meeting.id, text=text, created_at=utcnow()))
    reindex_meeting(meeting.id)
    db.session.commit()
    return meeting


def test_meetings_by_title_agenda_and_minutes_in_any_form(network):
    by_title = make_meeting(network, "Träff om läkemedelsrobotar")
    by_agenda = make_meeting(network, "Vårträffen", agenda="- Trygghetslarmen på natten")
    by_minutes = make_meeting(network, "Höstträffen", minutes="Vi laddade surfplattorna.", days=-5)
    assert [h.meeting_id for h in search_meetings("läkemedelsroboten").hits] == [by_title.id]
    assert [h.meeting_id for h in search_meetings("larm").hits] == [by_agenda.id]
    hits = search_meetings("laddning surfplatta").hits
    assert [h.meeting_id for h in hits] == [by_minutes.id]
    assert "<mark>laddade</mark>" in str(hits[0].context_html)


def test_topic_suggestions_are_found_with_their_meeting(network):
    meeting = make_meeting(network, "Vårträffen", topics=("Hur delar vi lösenorden säkert?",))
    make_meeting(network, "Lösenordsträffen")  # a meeting, not a topic
    section = search_topics("lösenord")
    assert section.total == 1 and section.hits[0].meeting_id == meeting.id
    assert "<mark>lösenorden</mark>" in str(section.hits[0].title_html)
    assert str(section.hits[0].context_html) == "Vårträffen"


def test_the_meetings_rules_keep_the_index_in_step(network, create_user):
    member = create_user(name="Sara Ek")
    meeting = make_meeting(network, "Vårträffen")
    participation.add_topic(meeting, member, "Videosamtal med anhöriga")
    db.session.commit()
    assert search_topics("videosamtalen").total == 1
    past = make_meeting(network, "Höstträffen", days=-3)
    scheduling.save_minutes(past, "Vi pratade om nattsensorerna.")
    db.session.commit()
    assert [h.meeting_id for h in search_meetings("sensor").hits] == [past.id]
    db.session.execute(db.text("DELETE FROM search_item"))
    assert search_meetings("sensor").total == 0
    assert rebuild_items() == 3
    assert search_meetings("sensor").total == 1


def test_a_typo_correction_reaches_the_sections(network):
    meeting = make_meeting(network, "Träff om trygghetslarmet")
    assert search_meetings("trygghetslamet").total == 0
    section = search_meetings("trygghetslamet", corrected="trygghetslarmet")
    assert [h.meeting_id for h in section.hits] == [meeting.id]


def pools_of_items(statements: list[str]) -> list[str]:
    return [s for s in statements if "search_item_fts MATCH" in s or "FROM search_item d" in s]


def test_meetings_and_topics_are_read_in_one_statement(network, count_queries):
    """The page's two sections: each kind ranked on its own (the typo's correction too), the
    pools of both read in one statement (the correction's in one more, for the kinds it is
    tried for) and the rows of both at once, as each alone would give them."""
    meeting = make_meeting(network, "Träff om larmen", topics=("Larm på natten",))
    make_meeting(network, "Vårträffen", agenda="Trygghetslarmet", topics=("Lås",))
    for query, corrected, pools in (
        ("larm", None, 1),
        ("lamr", "larm", 2),
        ("lås", None, 1),
        ("lås", "låset", 2),  # no meeting is about "lås": its correction is tried for them
        ("ord", None, 1),
    ):
        alone = [search_meetings(query, 5, corrected), search_topics(query, 5, corrected)]
        with count_queries() as counter:
            both = search_items(query, (MEETING, TOPIC), 5, corrected)
        assert both == alone
        assert len(pools_of_items(counter.statements)) == pools, counter.statements
        item_rows = [s for s in counter.statements if "FROM search_item JOIN meeting" in s]
        assert len(item_rows) == (1 if both[0].hits or both[1].hits else 0)
    assert [h.meeting_id for h in both[0].hits] == [] and both[1].total == 0
    larm = search_items("larm", (MEETING, TOPIC), 5)
    assert [h.meeting_id for h in larm[1].hits] == [meeting.id] and larm[0].total == 2


def test_the_posts_statement_tells_which_kinds_hold_the_word(network, count_queries):
    """PostgreSQL: the posts' first page (one word, no filters) also says which kinds of items
    hold the word in some form (``SearchPage.item_kinds``); the sections then read the pools
    of those kinds alone, none when neither, and are as without it. SQLite: not looked."""
    from hub.forum.search import search

    make_meeting(network, "Träff om larmen", topics=("Lås på natten",))
    postgresql = db.engine.dialect.name == "postgresql"
    for query, kinds in (
        ("larm", {MEETING}),
        ("låsen", {TOPIC}),
        ("dammsugare", set()),
        ("larm natten", None),  # two words: the posts' statement does not look
    ):
        page = search(query)
        assert page.item_kinds == (frozenset(kinds) if postgresql and kinds is not None else None)
        alone = search_items(query, (MEETING, TOPIC), 5)
        with count_queries() as counter:
            told = search_items(query, (MEETING, TOPIC), 5, holding=page.item_kinds)
        assert told == alone
        pools = 1 if page.item_kinds is None or page.item_kinds else 0
        assert len(pools_of_items(counter.statements)) == pools, counter.statements
    assert search_meetings("larm", holding=frozenset()).total == 0  # told: no statement
    assert search_topics("låsen", holding=frozenset({TOPIC})).total == 1


def test_the_sections_mark_with_the_forms_the_posts_search_read(network, count_queries):
    """``forms`` (``SearchPage.forms``): the written forms of a query's terms, read for the
    posts, are not read again for the meetings' and topics' marks; the marks are the same."""
    make_meeting(network, "Träff om larmen", topics=("Larmet på natten",))
    read = search_items("larmen", (MEETING, TOPIC), 5)
    terms = frozenset(query_terms("larmen"))
    forms = frozenset(row[0] for row in backend().words_with_terms(sorted(terms)))
    with count_queries() as counter:
        given = search_items("larmen", (MEETING, TOPIC), 5, forms={terms: forms})
    assert given == read and "<mark>" in str(given[1].hits[0].title_html)
    assert not [s for s in counter.statements if "search_form" in s], counter.statements


def person(create_user, name, tags=(), hidden=False, **fields):
    user = create_user(name=name, **fields)
    expertise = []
    for tag_name in tags:
        slug = tag_name.lower()
        tag = db.session.scalar(db.select(Tag).where(Tag.slug == slug))
        expertise.append(tag or Tag(slug=slug, name=tag_name))
    db.session.add(
        Profile(user_id=user.id, hidden_from_directory=hidden, photo_version=0, expertise=expertise)
    )
    db.session.commit()
    return user


def test_people_by_name_then_expertise_only_as_the_directory_lists_them(app, create_user):
    by_name = person(create_user, "Robert Lind")
    expert = person(create_user, "Anna Berg", tags=("Läkemedelsrobotar",))
    person(create_user, "Robin Dold", hidden=True)
    person(create_user, "Bo Robotsson Gone", tags=("Läkemedelsrobotar",), active=False)
    section = search_people("robot")
    assert [p.id for p in section.hits] == [expert.id]
    assert [p.id for p in search_people("rob").hits] == [by_name.id]
    assert [p.id for p in search_people("läkemedelsroboten").hits] == [expert.id]
    assert search_people("").total == 0


@pytest.fixture
def member(create_user, login):
    user = create_user(name="Sara Ek")
    login(user)
    return user


def test_results_page_has_sections_with_more_links(client, member, network, create_question):
    create_question("Laddar surfplattan?")
    for n in range(7):
        make_meeting(network, f"Surfplatteträff {n}", agenda="Surfplattorna i vården")
    make_meeting(network, "Vårträffen", topics=("Nya surfplattor",))
    page = client.get("/sok?q=surfplatta")
    assert page.status_code == 200
    for heading in ("Frågor och svar", "Träffar", "Ämnesförslag", "Personer"):
        assert f">{heading}</h2>" in page.text
    assert page.text.count('class="hint"><time') == 5
    assert 'href="/sok?del=traffar&amp;q=surfplatta">Visa alla 7 träffar</a>' in page.text
    assert "Nya <mark>surfplattor</mark>" in page.text
    assert "Ingen person heter så eller kan det." in page.text
    full = client.get("/sok?q=surfplatta&del=traffar")
    assert full.text.count('class="hint"><time') == 7
    assert "Tillbaka till alla sökresultat" in full.text and "Frågor och svar" not in full.text
    assert client.get("/sok?del=traffar").status_code == 200
    assert client.get("/sok?q=surfplatta&del=okänd").status_code == 200


def test_experts_first_by_name_counted_up_to_the_cap(app, create_user, monkeypatch):
    """A common tag's experts are walked down the name index, a rare one's sorted from the tag:
    either way the first by name, counted up to the cap, as the directory lists them."""
    from hub.directory import listing
    from hub.forum import search_items

    monkeypatch.setattr(search_items, "MAX_PEOPLE", 4)
    monkeypatch.setattr(listing, "_prepared", {})  # statements built with the cap of 4
    for n in (5, 3, 1, 4, 2, 6):
        person(create_user, f"Expert {n}", tags=("Läkemedelsrobotar",))
    person(create_user, "Expert 0 Dold", tags=("Läkemedelsrobotar",), hidden=True)
    person(create_user, "Kännare B", tags=("Nattkameror",))
    person(create_user, "Kännare A", tags=("Nattkameror",))
    person(create_user, "Nattkamera Nilsson", tags=("Nattkameror",))
    common = search_people("läkemedelsrobot", limit=3)  # 6 experts: more than the cap
    assert [p.name for p in common.hits] == ["Expert 1", "Expert 2", "Expert 3"]
    assert common.total == 4
    assert [p.name for p in search_people("läkemedelsrobot", limit=9).hits] == [
        "Expert 1", "Expert 2", "Expert 3", "Expert 4"
    ]  # fmt: skip
    rare = search_people("kännare", limit=5)  # by name only
    assert [p.name for p in rare.hits] == ["Kännare A", "Kännare B"]
    both = search_people("nattkamera", limit=2)  # a name and a tag: the name first
    assert [p.name for p in both.hits] == ["Nattkamera Nilsson", "Kännare A"]
    assert both.total == 3
    few = search_people("nattkamerornas", limit=5)  # 3 experts: under the cap
    assert [p.name for p in few.hits] == ["Kännare A", "Kännare B", "Nattkamera Nilsson"]
    assert few.total == 3


def test_experts_counted_and_listed_in_one_statement_on_postgresql(
    app, create_user, count_queries, monkeypatch
):
    """PostgreSQL: one round trip for the experts, the way not taken never run (a one-time
    filter on the count); SQLite: the count, then the way it chose."""
    from hub.directory import listing
    from hub.forum import search_items

    monkeypatch.setattr(search_items, "MAX_PEOPLE", 3)
    monkeypatch.setattr(listing, "_prepared", {})  # statements built with the cap of 3
    for n in range(4):
        person(create_user, f"Expert {n}", tags=("Läkemedelsrobotar",))
    person(create_user, "Kännare A", tags=("Nattkameror",))
    postgresql = db.engine.dialect.name == "postgresql"
    tags = db.session.execute(db.select(Tag.id, Tag.name)).all()  # as the search form loads them
    for query, names, total in (
        ("läkemedelsrobot", ["Expert 0", "Expert 1"], 3),  # past the cap: walked by name
        ("nattkameror", ["Kännare A"], 1),  # under it: from the tag
        ("dammsugare", [], 0),  # no such tag: no statement for experts
    ):
        with count_queries() as counter:
            section = search_people(query, limit=2, tags=tags)
        assert ([p.name for p in section.hits], section.total) == (names, total)
        experts = 0 if not total else (1 if postgresql else 2)
        assert counter.count == 1 + experts, counter.statements  # the names, then the experts
    if postgresql:
        statement = search_items._statement("search-experts", search_items._experts_statement)
        tag_id = db.session.scalar(db.select(Tag.id).where(Tag.slug == "nattkameror"))
        sql, params = statement.sent({"tag_ids": [tag_id], "wanted": 2}, db.engine.dialect)
        cursor = db.session.connection().connection.driver_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert plan.count("One-Time Filter") == 2 and "never executed" in plan, plan


def test_experts_kept_a_while_but_who_is_shown_read_every_time(
    app, create_user, count_queries, monkeypatch
):
    """Kept per worker (``FORUM_EXPERTS_KEPT_SECONDS``): the experts' statement runs once; each
    later search reads only whether the kept people are still listed and still experts, by id,
    so one who hides, is deactivated or takes the topic off their profile is gone at once, and
    the section is made anew without them."""
    monkeypatch.setitem(app.config, "FORUM_EXPERTS_KEPT_SECONDS", 60)
    monkeypatch.setitem(app.extensions, KEPT_EXPERTS, None)  # made anew here, gone after
    first, second, third = (
        person(create_user, f"Expert {n}", tags=("Läkemedelsrobotar",)) for n in (1, 2, 3)
    )
    tags = db.session.execute(db.select(Tag.id, Tag.name)).all()  # as the search form loads them
    made = search_people("läkemedelsrobot", limit=2, tags=tags)
    assert ([p.id for p in made.hits], made.total) == ([first.id, second.id], 3)
    with count_queries() as counter:
        kept = search_people("läkemedelsrobot", limit=2, tags=tags)
    assert ([p.id for p in kept.hits], kept.total) == ([first.id, second.id], 3)
    # The names and the kept experts by id, in one statement.
    assert counter.count == 1, counter.statements
    assert not [s for s in counter.statements if "count(" in s.lower()], counter.statements
    profile = db.session.get(Profile, first.id)
    profile.hidden_from_directory = True
    db.session.commit()
    hidden = search_people("läkemedelsrobot", limit=2, tags=tags)
    assert ([p.id for p in hidden.hits], hidden.total) == ([second.id, third.id], 2)
    second.active = False
    db.session.commit()
    gone = search_people("läkemedelsrobot", limit=2, tags=tags)
    assert ([p.id for p in gone.hits], gone.total) == ([third.id], 1)
    db.session.execute(db.delete(user_expertise).where(user_expertise.c.user_id == third.id))
    db.session.commit()
    no_longer = search_people("läkemedelsrobot", limit=2, tags=tags)
    assert ([p.id for p in no_longer.hits], no_longer.total) == ([], 0)


def shown(section) -> list[tuple]:
    """What the page shows of each person."""
    return [(p.id, p.name, p.title) for p in section.hits]


def test_kept_experts_read_with_the_names_and_a_name_still_first(
    app, create_user, count_queries, monkeypatch
):
    """With the experts kept, the names and the kept experts are one statement; when someone
    has the name, the section is as without keeping: the name first, then the experts, counted
    together (their experts read as many as the cap, as before)."""
    tags = (("Nattkameror",),)
    for name in ("Kännare B", "Kännare A"):
        person(create_user, name, tags=tags[0])
    named = person(create_user, "Nattkamera Nilsson", tags=tags[0])
    tags = db.session.execute(db.select(Tag.id, Tag.name)).all()  # as the search form loads them
    monkeypatch.setitem(app.config, "FORUM_EXPERTS_KEPT_SECONDS", 0)
    monkeypatch.setitem(app.extensions, KEPT_EXPERTS, None)
    unkept = {q: search_people(q, limit=2, tags=tags) for q in ("nattkameror", "nattkamera")}
    monkeypatch.setitem(app.config, "FORUM_EXPERTS_KEPT_SECONDS", 60)
    monkeypatch.setitem(app.extensions, KEPT_EXPERTS, None)
    search_people("nattkameror", limit=2, tags=tags)  # its first two experts kept
    with count_queries() as counter:
        kept = search_people("nattkameror", limit=2, tags=tags)
    assert counter.count == 1, counter.statements
    assert (shown(kept), kept.total) == (shown(unkept["nattkameror"]), 3)
    with count_queries() as counter:
        both = search_people("nattkamera", limit=2, tags=tags)  # the same tag, and a name
    assert [p.name for p in both.hits] == ["Nattkamera Nilsson", "Kännare A"]
    assert (shown(both), both.total) == (shown(unkept["nattkamera"]), 3)
    # The names and the kept, then the experts anew (SQLite: counted, then read).
    assert counter.count == (2 if db.engine.dialect.name == "postgresql" else 3), counter.statements
    profile = db.session.get(Profile, named.id)
    profile.hidden_from_directory = True
    db.session.commit()
    hidden = search_people("nattkamera", limit=2, tags=tags)  # no name now: the kept experts
    # (the count as kept: an expert past the first two gone, as ``find_experts`` says)
    assert ([p.name for p in hidden.hits], hidden.total) == (["Kännare A", "Kännare B"], 3)


def test_people_by_name_have_one_plan_for_any_name_on_postgresql(app, create_user):
    """A name is a range on the keys (``listing.starts_with``) with its bounds out of the
    planner's sight, and the limit is written in: a plan for the name can cost no less than the
    plan kept for any name, so PostgreSQL keeps that one after its five custom plans. With
    ``LIKE $1`` the kept plan could not use the prefix indexes and the plan for the name always
    looked cheaper (a custom plan at every search: 0.2 ms planning at large); with ``LIMIT $2``
    the kept plan walked every member in name order. (At large the kept plan reads the two
    prefix indexes: bench/README.md, session 13, search5.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from hub.directory.listing import DirectoryFilters, filter_values
    from hub.forum import search_items

    person(create_user, "Robert Lind")
    statement = search_items._statement("search-named", search_items._named_statement)
    sql, _ = statement.sent(filter_values(DirectoryFilters(q="rob")), db.engine.dialect)
    assert "LIMIT 100" in sql and "~>=~ (SELECT" in sql and " LIKE " not in sql, sql

    def plans() -> tuple[int, int]:
        found = db.session.execute(
            sql_text(
                "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)"
                " FROM pg_prepared_statements WHERE statement LIKE '%name_key ~>=~ (SELECT%'"
            )
        ).one()
        return int(found[0]), int(found[1])

    before = plans()
    for _ in range(3):
        for name in ("rob", "robert lind", "anna", "zz"):
            search_people(name)
    generic, custom = (after - earlier for after, earlier in zip(plans(), before, strict=True))
    # Prepared from its sixth use (psycopg), or from the first if an earlier test prepared it.
    assert custom <= 5 and generic >= 2, (generic, custom)


def test_names_and_kept_experts_have_one_plan_on_postgresql(app, create_user, monkeypatch):
    """The names and the kept experts together keep the plan each has alone: their values out
    of the planner's sight, so PostgreSQL keeps a generic plan after its five custom ones."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    monkeypatch.setitem(app.config, "FORUM_EXPERTS_KEPT_SECONDS", 60)
    monkeypatch.setitem(app.extensions, KEPT_EXPERTS, None)
    person(create_user, "Kännare A", tags=("Nattkameror",))
    tags = db.session.execute(db.select(Tag.id, Tag.name)).all()

    def plans() -> tuple[int, int]:
        found = db.session.execute(
            sql_text(
                "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)"
                " FROM pg_prepared_statements WHERE statement LIKE '%anon_1.part%'"
            )
        ).one()
        return int(found[0]), int(found[1])

    before = plans()
    for _ in range(6):  # psycopg prepares it at its sixth use
        for query in ("nattkameror", "nattkamerorna", "nattkameran"):
            assert [p.name for p in search_people(query, limit=2, tags=tags).hits] == ["Kännare A"]
    generic, custom = (after - earlier for after, earlier in zip(plans(), before, strict=True))
    assert custom <= 5 and generic >= 2, (generic, custom)
