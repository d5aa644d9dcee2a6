"""Demo questions and answers about the network's real topics, written from templates.

"small" gives a few hundred questions for trying the hub; "large" 20,000 questions and 100,000
answers and comments, "xlarge" ten times that, through bulk inserts, for the benchmarks (the
figures are in ``hub.demo_sizes``).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator
from datetime import timedelta
from functools import cache

from sqlalchemy import func, insert, select, update

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.i18n import N_
from hub.core.markdown import render_markdown
from hub.core.models import Tag, user_expertise
from hub.core.tags import get_or_create_tags, tag_slug
from hub.demo_sizes import DemoSize, demo_size
from hub.extensions import db
from hub.forum.models import Answer, Category, Comment, HelpfulMark, Question, question_tag

# The names go through the catalogue (N_), so an English reader sees them in English.
CATEGORIES = [
    (
        "valfardsteknik",
        N_("Välfärdsteknik"),
        "Trygghetslarm, digitala lås, sensorer och läkemedelsrobotar.",
    ),
    (
        "digitala-verktyg",
        N_("Digitala verktyg i vardagen"),
        "Surfplattor, appar, Teams och videosamtal.",
    ),
    ("etik-och-integritet", N_("Etik och integritet"), "Samtycke, nattkameror och lösenord."),
    (
        "larande",
        N_("Lärande och utbildning"),
        "E-lärande, introduktion och att lära ut till kollegor.",
    ),
    ("natverket", N_("Nätverket"), "Träffar, stafettpinnen och hur vi hjälper varandra."),
]

PLACES = [
    "på vårt äldreboende", "i hemtjänsten", "på LSS-boendet", "i socialpsykiatrin",
    "på korttidsboendet", "i daglig verksamhet", "på demensavdelningen", "i nattpatrullen",
]  # fmt: skip

# (category slug, tags, titles, bodies, answers). {plats} is filled in from PLACES.
TOPICS = [
    (
        "digitala-verktyg",
        ["Surfplatta", "Boende"],
        [
            "Hur laddar ni surfplattorna för de boende {plats}?",
            "Vilket skal håller för surfplattor som tappas {plats}?",
            "Surfplattan låser sig när de boende trycker fel – tips?",
            "Hur får vi de boende att vilja använda surfplattan {plats}?",
        ],
        [
            "Vi har fem surfplattor {plats} men de är alltid urladdade när någon vill använda "
            "dem. Hur har ni löst laddningen?",
            "Flera av våra boende har demens och trycker ofta ur appen de använder. Finns det ett "
            "läge som låser skärmen till en app?",
        ],
        [
            "Vi har en laddstation i personalrummet och en lista där nattpersonalen bockar av "
            "att alla surfplattor står på laddning.",
            "Testa **Guidad åtkomst** på iPad (Inställningar → Tillgänglighet). Då stannar den "
            "boende i en app tills personalen låser upp.",
            "Vi köpte skal med handtag. De har klarat två år nu, trots att de tappas ibland.",
            "Börja med något den boende redan tycker om, till exempel musik från ungdomen eller "
            "bilder från hembygden. Då blir surfplattan något roligt och inte ett måste.",
        ],
    ),
    (
        "valfardsteknik",
        ["Digitala lås", "Hemtjänst"],
        [
            "Digitala lås {plats}: vad gör ni när batteriet tar slut?",
            "Hur delar ni behörigheter till digitala lås med vikarier?",
            "Det digitala låset registrerar inte alla besök – någon mer?",
        ],
        [
            "Vi har infört digitala lås {plats} och det har gått bra, men i veckan dog batteriet "
            "i ett lås och personalen kom inte in. Vilka rutiner har ni?",
            "Vikarierna får inte alltid behörighet i tid och då blir det nyckelstrul. Hur gör ni?",
        ],
        [
            "Leverantören skickar en varning när batteriet är under 20 procent. Se till att "
            "varningarna går till en funktionsbrevlåda och inte till en person.",
            "Vi har en reservnyckel i ett nyckelskåp med kod, och en rutin för vem som hämtar den.",
            "Hos oss lägger samordnaren in vikarier dagen innan. Det står i checklistan för "
            "introduktion.",
        ],
    ),
    (
        "valfardsteknik",
        ["Läkemedelsrobot", "Hemtjänst"],
        [
            "Läkemedelsrobot {plats} – hur väljer ni vem som får en?",
            "Läkemedelsroboten larmar för ofta, vad kan vi göra?",
            "Erfarenheter av läkemedelsrobotar för personer med demens?",
        ],
        [
            "Vi ska börja med läkemedelsrobotar {plats}. Vilka kriterier använder ni när ni "
            "bedömer vem som kan ha nytta av en?",
            "Roboten larmar när dosen inte tas ut, men ibland är det bara att brukaren sover. "
            "Hur har ni ställt in larmtiderna?",
        ],
        [
            "Vi gör bedömningen tillsammans med sjuksköterskan. Brukaren behöver kunna höra "
            "signalen och förstå att dosen ska tas ut.",
            "Vi flyttade larmtiden en halvtimme och fick hälften så många larm.",
            "För personer med demens har det fungerat när någon anhörig är med i början.",
        ],
    ),
    (
        "digitala-verktyg",
        ["Videosamtal", "Anhöriga"],
        [
            "Videosamtal med anhöriga {plats} – vilken app använder ni?",
            "Hur bokar ni tider för videosamtal mellan boende och anhöriga?",
            "Ljudet blir dåligt i videosamtal, finns det bra högtalare?",
        ],
        [
            "Anhöriga vill ringa videosamtal men vi vet inte vilken app som är tillåten hos oss. "
            "Vad använder ni {plats}?",
            "Det blir rörigt när alla anhöriga vill ringa på söndagar. Har ni ett bokningssystem?",
        ],
        [
            "Vi använder den app som kommunen har godkänt. "
            "Fråga er informationssäkerhetssamordnare.",
            "Vi har en enkel bokningslista i ett delat dokument. Anhöriga bokar själva.",
            "En liten konferenshögtalare gjorde stor skillnad för de boende som hör dåligt.",
        ],
    ),
    (
        "digitala-verktyg",
        ["Teams", "Möten"],
        [
            "Hur får vi alla i arbetsgruppen att hitta i Teams?",
            "Teams-möten på surfplatta {plats} – går det bra?",
            "Ska vi ha APT i Teams eller på plats?",
        ],
        [
            "Många i arbetsgruppen tycker att Teams är krångligt. Hur har ni gjort för att komma "
            "igång?",
            "Vi vill kunna vara med på nätverksträffar från {plats}. Räcker det med en surfplatta?",
        ],
        [
            "Vi gjorde en kort lathund med skärmbilder och gick igenom den på ett APT.",
            "Surfplatta fungerar, men använd hörlurar med mikrofon så blir det inget eko.",
            "Vi har APT på plats men spelar in genomgångar så att nattpersonalen kan se dem.",
        ],
    ),
    (
        "larande",
        ["E-lärande", "Introduktion"],
        [
            "Vilka e-lärandekurser rekommenderar ni för nyanställda?",
            "Hur hinner personalen {plats} gå e-lärande på arbetstid?",
            "E-lärande om välfärdsteknik – finns det något bra och gratis?",
        ],
        [
            "Vi tar emot många sommarvikarier och vill ha en kort digital introduktion. "
            "Vilka kurser använder ni?",
            "Personalen {plats} säger att de inte hinner gå kurserna. Hur har ni planerat in det?",
        ],
        [
            "Vi lägger in en timme i schemat första veckan. Det måste synas i schemat, annars "
            "blir det inte av.",
            "Kolla kurserna från Kunskapsguiden och Vårdhandboken – många är gratis.",
            "Vi går kurserna två och två. Det blir roligare och man hjälper varandra.",
        ],
    ),
    (
        "etik-och-integritet",
        ["Nattkamera", "Etik", "Samtycke"],
        [
            "Nattkameror {plats}: hur får ni samtycke?",
            "Sensorer i stället för tillsyn på natten – etiska frågor?",
            "Hur pratar vi med anhöriga om nattkamera?",
        ],
        [
            "Vi vill erbjuda digital tillsyn med kamera på natten {plats}. Hur går det till med "
            "samtycke när den enskilde har svårt att uttrycka sig?",
            "Några kollegor tycker att sensorer är övervakning. Hur har ni resonerat?",
        ],
        [
            "Samtycket ska komma från den enskilde själv. Dokumentera samtalet och följ upp ofta.",
            "Vi pratade om att tillsynen blir mindre störande – ingen öppnar dörren och väcker.",
            "Biståndshandläggaren var med på mötet med anhöriga. Det gjorde det tydligt.",
        ],
    ),
    (
        "etik-och-integritet",
        ["Lösenord", "Informationssäkerhet"],
        [
            "Lösenord på delade enheter {plats} – hur gör ni?",
            "Får vi skriva upp lösenordet till surfplattan på en lapp?",
            "Hur byter ni lösenord när någon slutar?",
        ],
        [
            "Vi delar surfplattor och telefoner {plats}, och alla kan samma lösenord. Det känns "
            "inte säkert. Hur har ni löst det?",
            "Lösenordet till arbetstelefonen sitter på en lapp på baksidan. Är det okej?",
        ],
        [
            "Varje person ska ha sin egen inloggning till verksamhetssystemet, även på en delad "
            "enhet. Enhetens kod kan vara gemensam.",
            "Ingen lapp! Vi har en rutin där chefen byter koden när någon slutar.",
            "Prata med IT – många kommuner har en lösenordshanterare för delade konton.",
        ],
    ),
    (
        "valfardsteknik",
        ["Trygghetslarm"],
        [
            "Trygghetslarmet går inte fram {plats} – vad kollar ni först?",
            "Digitala trygghetslarm och mobiltäckning på landsbygden?",
            "Hur testar ni trygghetslarmen varje månad?",
        ],
        [
            "Ett larm gick inte fram i natt. Vad brukar ni kontrollera först när det händer?",
            "Vi har dålig täckning i delar av kommunen. Hur fungerar era digitala larm där?",
        ],
        [
            "Kolla strömmen, sedan SIM-kortet och till sist att larmknappen är parkopplad.",
            "Vi har en testrutin den första måndagen i månaden och för en enkel logg.",
            "Leverantören kunde byta till en enhet med två operatörer, och det hjälpte.",
        ],
    ),
    (
        "digitala-verktyg",
        ["Appar", "Daglig verksamhet"],
        [
            "Vilka appar använder ni i daglig verksamhet?",
            "Bildstöd i appar {plats} – tips?",
            "Appar för fysisk aktivitet för äldre?",
        ],
        [
            "Vi letar efter bra appar för aktiviteter {plats}. Vilka har ni provat?",
            "Vi vill använda bildstöd i en app för schemat. Vad fungerar för er?",
        ],
        [
            "Vi använder en app med bildschema, och deltagarna fotar själva sina bilder.",
            "Sök på appar med tydliga knappar och utan reklam. Prova själv först.",
            "Vi har en lista över godkända appar som vi uppdaterar varje halvår.",
        ],
    ),
    (
        "natverket",
        ["Nätverksträff", "Stafettpinnen"],
        [
            "Vad tar vi upp på nästa nätverksträff?",
            "Tips på hur man håller i en nätverksträff första gången?",
            "Hur bjuder vi in nya ambassadörer till nätverket?",
        ],
        [
            "Vår kommun har stafettpinnen och ska hålla nästa träff. Vad vill ni prata om?",
            "Jag ska leda en träff för första gången och är lite nervös. Några råd?",
        ],
        [
            "Gärna ett pass om digitala lås – det är många som har frågor om det just nu.",
            "Börja med en runda där alla berättar vad de jobbar med just nu. Det blir lätt att "
            "komma igång.",
            "Skicka ut dagordningen en vecka innan och fråga efter önskemål.",
        ],
    ),
]

COMMENTS = [
    "Tack, det här ska jag testa!",
    "Samma problem hos oss.",
    "Bra tips, jag delar med min arbetsgrupp.",
    "Vet någon om det fungerar på Android också?",
    "Vi provade det, och det fungerade.",
    "Kan du berätta mer om hur ni gjorde?",
]


# In the large data sets, this question (by seeding order) gets exactly 20 answers.
LONG_THREAD = 7


@cache
def _html(source: str) -> str:
    return render_markdown(source)


def seed(rng: random.Random, scale: str) -> Iterator[str]:
    categories = ensure_categories()
    tags = ensure_tags()
    user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    if not user_ids:
        yield "Forum: inga personer finns, så inga frågor skapas."
        return
    yield from seed_expertise(rng, user_ids, tags)
    size = demo_size(scale)
    target = size.questions
    existing = db.session.scalar(select(func.count(Question.id))) or 0
    if existing >= target:
        yield f"Forum: {existing} frågor finns redan."
        return
    yield from seed_posts(rng, user_ids, categories, tags, target - existing, size)
    from hub.forum.search import optimize_index, rebuild_index
    from hub.forum.search_items import rebuild_items

    yield f"Forum: sökindexet har {rebuild_index()} dokument och {rebuild_items()} träffar."
    optimize_index()


def ensure_categories() -> dict[str, Category]:
    found = {c.slug: c for c in db.session.scalars(select(Category))}
    for position, (slug, name, description) in enumerate(CATEGORIES):
        if slug not in found:
            found[slug] = Category(slug=slug, name=name, description=description, position=position)
            db.session.add(found[slug])
    db.session.flush()
    return found


def ensure_tags() -> dict[str, Tag]:
    names = {name for topic in TOPICS for name in topic[1]}
    found = {t.slug: t for t in db.session.scalars(select(Tag))}
    missing = sorted(name for name in names if tag_slug(name) not in found)
    found.update((tag.slug, tag) for tag in get_or_create_tags(missing))
    return found


def seed_expertise(rng: random.Random, user_ids: list[int], tags: dict[str, Tag]) -> Iterator[str]:
    if db.session.scalar(select(func.count()).select_from(user_expertise)):
        return
    rows = set()
    tag_ids = [t.id for t in tags.values()]
    fixed = set(db.session.scalars(select(User.id).where(User.email.like("%@demo.stafetten.se"))))
    for user_id in user_ids:
        if user_id in fixed or rng.random() < 0.4:
            for tag_id in rng.sample(tag_ids, k=min(len(tag_ids), rng.randint(1, 3))):
                rows.add((user_id, tag_id))
    db.session.execute(insert(user_expertise), [{"user_id": u, "tag_id": t} for u, t in rows])
    yield f"Forum: {len(rows)} expertisområden för {len({u for u, _ in rows})} personer."


def seed_posts(rng, user_ids, categories, tags, count: int, size: DemoSize) -> Iterator[str]:
    now = utcnow()
    lina = db.session.scalar(select(User.id).where(User.email == "ambassador@demo.stafetten.se"))
    span_days = size.span_days
    plans = []
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)] if i < len(TOPICS) * 3 else rng.choice(TOPICS)
        slug, tag_names, titles, bodies, _answers = topic
        place = rng.choice(PLACES)
        created = now - timedelta(days=rng.uniform(0, span_days), minutes=rng.randint(0, 1440))
        recent = now - created < timedelta(days=2)
        unanswered = recent or rng.random() < 0.12
        n_answers = 0 if unanswered else rng.randint(1, size.max_answers)
        if size.long_thread and i == LONG_THREAD:
            n_answers = 20  # the benchmark's "question with 20 answers"
        author = lina if (lina and i % 25 == 0) else rng.choice(user_ids)
        plans.append((topic, place, created, n_answers, author, slug, tag_names, titles, bodies))
    question_rows = [
        {
            "author_id": author,
            "category_id": categories[slug].id,
            "title": rng.choice(titles).format(plats=place),
            "body_source": (source := rng.choice(bodies).format(plats=place)),
            "body_html": _html(source),
            "created_at": created,
            "last_activity_at": created,
            "answer_count": n_answers,
            "view_count": rng.randint(0, 200),
        }
        for _topic, place, created, n_answers, author, slug, _t, titles, bodies in plans
    ]
    first_id = (db.session.scalar(select(func.max(Question.id))) or 0) + 1
    _bulk(Question, question_rows)
    ids = list(
        db.session.scalars(select(Question.id).where(Question.id >= first_id).order_by(Question.id))
    )
    tag_rows = [
        {"question_id": qid, "tag_id": tags[tag_slug(name)].id}
        for qid, plan in zip(ids, plans, strict=True)
        for name in plan[6][: rng.randint(1, len(plan[6]))]
    ]
    _bulk(question_tag, tag_rows)
    yield f"Forum: {len(ids)} frågor."
    yield from seed_answers(rng, user_ids, ids, plans, now, size)


def seed_answers(rng, user_ids, ids, plans, now, size: DemoSize) -> Iterator[str]:
    first_answer = (db.session.scalar(select(func.max(Answer.id))) or 0) + 1
    _bulk(Answer, answer_rows(rng, user_ids, ids, plans, now))
    answers = db.session.execute(
        select(Answer.id, Answer.question_id, Answer.author_id, Answer.created_at)
        .where(Answer.id >= first_answer)
        .order_by(Answer.id)
    ).all()
    by_question: dict[int, list] = {}
    for row in answers:
        by_question.setdefault(row.question_id, []).append(row)
    yield f"Forum: {len(answers)} svar."
    marks, helpful_by_answer = _helpful_marks(rng, user_ids, answers, size)
    _bulk(HelpfulMark, marks)
    answer_updates = [{"id": a, "helpful_count": n} for a, n in helpful_by_answer.items()]
    if answer_updates:
        db.session.execute(update(Answer), answer_updates)
    question_updates = []
    for qid, rows in by_question.items():
        accepted = rows[0].id if rng.random() < 0.55 else None
        question_updates.append(
            {
                "id": qid,
                "accepted_answer_id": accepted,
                "last_activity_at": rows[-1].created_at,
                "helpful_count": sum(helpful_by_answer.get(r.id, 0) for r in rows),
            }
        )
    if question_updates:
        db.session.execute(update(Question), question_updates)
    comments = size.comments_after(len(answers))
    _bulk(Comment, comment_rows(rng, user_ids, ids, answers, now, comments))
    yield f"Forum: {len(marks)} hjälpsam-markeringar och {comments} kommentarer."


def answer_rows(rng, user_ids, ids, plans, now) -> Iterator[dict]:
    """Made as they are inserted: the large data sets' rows need not all be in memory at once."""
    helpers = user_ids[:50]
    for qid, (topic, _place, created, n_answers, author, *_rest) in zip(ids, plans, strict=True):
        moment = created
        for _ in range(n_answers):
            moment = min(now, moment + timedelta(hours=rng.uniform(1, 60)))
            source = rng.choice(topic[4])
            yield {
                "question_id": qid,
                "author_id": rng.choice([u for u in helpers if u != author] or user_ids),
                "body_source": source,
                "body_html": _html(source),
                "created_at": moment,
                "helpful_count": 0,
            }


def comment_rows(rng, user_ids, ids, answers, now, count: int) -> Iterator[dict]:
    """Most comments on answers, the rest on questions of the last 30 days."""
    for _ in range(count):
        if answers and rng.random() < 0.7:
            row = rng.choice(answers)
            target = {"answer_id": row.id, "question_id": None}
            moment = row.created_at
        else:
            target = {"answer_id": None, "question_id": rng.choice(ids)}
            moment = now - timedelta(days=rng.uniform(0, 30))
        yield {
            **target,
            "author_id": rng.choice(user_ids),
            "body": rng.choice(COMMENTS),
            "created_at": moment,
        }


def _helpful_marks(rng, user_ids, answers, size: DemoSize) -> tuple[list[dict], dict[int, int]]:
    marks: list[dict] = []
    counts: dict[int, int] = {}
    for row in answers:
        if rng.random() > size.helpful_share:
            continue
        voters = {u for u in rng.sample(user_ids, k=min(len(user_ids), 3)) if u != row.author_id}
        for voter in voters:
            marks.append({"answer_id": row.id, "user_id": voter})
        counts[row.id] = len(voters)
    return marks, counts


def _bulk(target, rows: Iterable[dict], chunk: int = 5000) -> None:
    """executemany in chunks: the fastest portable way to insert many rows."""
    rows = iter(rows)
    while batch := list(itertools.islice(rows, chunk)):
        db.session.execute(insert(target), batch)
