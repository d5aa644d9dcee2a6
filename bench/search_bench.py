"""Search benchmark: 100,000 Swedish posts, 200+ varied queries through ``search()``.

Run by hand from the repository root, on SQLite or PostgreSQL:

    .venv/bin/python bench/search_bench.py [--posts 100000] [--queries 240] [--db PATH]
    .venv/bin/python bench/search_bench.py --database-url postgresql+psycopg://…/empty_db

It builds a fresh database with the real migrations (or reuses one that already holds the posts),
inserts questions and answers in bulk, indexes them through the same ``question_rows()`` and
``remember_words()`` the forum's ``reindex_question()`` uses (timed: the goal is 60 s), then times
each query through ``hub.forum.search.search()`` (SQL, count, typo fallback and highlighted
snippets included) and prints the median and the 95th percentile (goals: 2 ms and 5 ms). It also
starts a fresh Python to measure what the lexicon costs a worker: load time, memory, and the
first query after it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

from hub import create_app
from hub.core.db import utcnow
from hub.extensions import db
from hub.forum.models import Answer, Category, Question
from hub.forum.search import (
    COUNT_CAP,
    optimize_index,
    question_rows,
    remember_words,
    search,
    search_document,
)
from tests.conftest import make_config

TOPICS = [
    "surfplattan", "surfplattorna", "läkemedelsroboten", "läkemedelsrobotarna",
    "det digitala låset", "de digitala låsen", "videosamtalet",
    "videosamtal med anhöriga", "Teams-mötet", "mötena",
    "e-learningkursen", "utbildningen", "nattsensorerna", "tillsynskameran", "lösenordet",
    "lösenorden på delade datorer", "trygghetslarmet", "trygghetslarmen", "appen", "inloggningen",
    "BankID", "SITHS-kortet", "skrivaren", "wifi på boendet", "nätverket", "signeringslistan",
    "journalsystemet", "schemat", "robotdammsugaren", "spelkonsolen", "musikappen", "taltjänsten",
]  # fmt: skip
PROBLEMS = [
    "fungerar inte", "laddar inte", "krånglar", "går inte att starta", "låser sig", "är långsam",
    "glömmer inställningarna", "tappar uppkopplingen", "larmar i onödan", "visar fel tid",
    "behöver uppdateras", "vägrar logga in", "har slutat synka", "piper hela natten",
]  # fmt: skip
PLACES = [
    "på boendet", "i hemtjänsten", "på dagverksamheten", "på natten", "vid teamträffen",
    "i korridoren", "hos brukaren", "i personalrummet", "på gruppbostaden", "i Laholm",
    "i Halmstad", "i Varberg", "i Kungsbacka", "i Stockholm", "i Rinkeby-Kista",
]  # fmt: skip
SENTENCES = [
    "Vi har provat att starta om {topic} men det hjälper inte.",
    "Hur gör ni med {topic} {place}?",
    "Sedan förra veckan {problem} {topic} {place}.",
    "Kollegorna undrar om {topic} kan användas av de boende själva.",
    "Finns det någon rutin för {topic} när personalen byts ut?",
    "Anhöriga har frågat om {topic} och integriteten.",
    "Vi testade {topic} under en månad och det gick bra.",
    "Enhetschefen vill att vi utvärderar {topic} innan sommaren.",
    "Det blev bättre när vi ändrade inställningarna för {topic}.",
    "IT-supporten säger att {topic} {problem} för att licensen har gått ut.",
    "Prova att ladda ner den senaste versionen och logga in igen.",
    "Vi skrev en lathund med bilder som hänger bredvid {topic}.",
    "Ta upp det på nästa nätverksträff, fler har samma problem.",
    "Digitaliseringsambassadörerna i {place} har erfarenhet av {topic}.",
]  # fmt: skip
QUERIES = [
    "surfplatta", "läkemedelsrobot", "robot", "lås", "digitala lås", "videosamtal", "anhöriga",
    "möte", "teams", "utbildning", "e-learning", "nattsensor", "sensor", "kamera", "lösenord",
    "delade datorer", "trygghetslarm", "larm", "app", "inloggning", "bankid", "siths", "skrivare",
    "wifi", "nätverk", "signeringslista", "journalsystem", "schema", "dammsugare", "spelkonsol",
    "musik", "taltjänst", "laddar", "starta om", "uppdatera", "logga in", "synka", "piper natten",
    "integritet", "rutin personal", "lathund", "licens", "enhetschef", "sommar", "hemtjänst",
    "dagverksamhet", "gruppbostad", "laholm", "varberg", "kungsbacka", "rinkeby",
    "surfplattan laddar", "roboten larmar", "låset fungerar inte",
    "videosamtal anhöriga boendet", "utvärdera",
    # Noun for verb, inflected compounds, and typos (the fallback runs for these).
    "laddning", "inloggning", "installation", "läkemedelsrobotarna", "trygghetslarmen",
    "surfplatan", "läkemedelsrobten", "trygghetslamet", "inlogningen", "nattsensrn",
    "signeringslitsan", "journalsytemet",
]  # fmt: skip


def post_text(rng: random.Random, sentences: int) -> str:
    return " ".join(
        rng.choice(SENTENCES).format(
            topic=rng.choice(TOPICS), problem=rng.choice(PROBLEMS), place=rng.choice(PLACES)
        )
        for _ in range(sentences)
    )


def build(posts: int, rng: random.Random) -> None:
    category = Category(slug="bench", name="Bench")
    db.session.add(category)
    db.session.flush()
    questions = posts // 5
    now = utcnow()
    for start in range(0, questions, 1000):
        qrows, arows = [], []
        for qid in range(start + 1, min(start + 1000, questions) + 1):
            title = f"{rng.choice(TOPICS).capitalize()} {rng.choice(PROBLEMS)} {rng.choice(PLACES)}"
            body = post_text(rng, rng.randint(2, 5))
            qrows.append({"id": qid, "category_id": category.id, "title": title,
                          "body_source": body, "body_html": f"<p>{body}</p>", "answer_count": 4,
                          "created_at": now, "last_activity_at": now})  # fmt: skip
            for _ in range(4):
                answer = post_text(rng, rng.randint(1, 4))
                arows.append({"question_id": qid, "body_source": answer,
                              "body_html": f"<p>{answer}</p>", "created_at": now})  # fmt: skip
        db.session.execute(insert(Question), qrows)
        db.session.execute(insert(Answer), arows)
        index_batch([r["id"] for r in qrows])
        db.session.commit()
        print(f"  {min(start + 1000, questions) * 5} inlägg", end="\r", flush=True)
    print()
    optimize_index()  # as a rebuild or a seed does (SQLite)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Autovacuum would get there too: until then every search reads GIN's pending list.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")


def index_batch(question_ids: list[int]) -> None:
    questions = db.session.execute(
        select(Question.id, Question.title, Question.body_html).where(Question.id.in_(question_ids))
    ).all()
    answers: dict[int, list] = {qid: [] for qid in question_ids}
    for row in db.session.execute(
        select(Answer.id, Answer.question_id, Answer.body_html).where(
            Answer.question_id.in_(question_ids)
        )
    ):
        answers[row.question_id].append(row)
    rows = [row for q in questions for row in question_rows(q, answers[q.id])]
    db.session.execute(insert(search_document), rows)
    remember_words(rows)


def queries(rng: random.Random, count: int) -> list[tuple[str, dict]]:
    chosen = []
    for i in range(count):
        query = QUERIES[i % len(QUERIES)]
        options: dict = {}
        if i % 5 == 1:
            options["answered"] = True
        if i % 7 == 2:
            options["page"] = rng.randint(2, 5)
        chosen.append((query, options))
    rng.shuffle(chosen)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--db", type=Path, help="SQLite file (kept; reused when already built)")
    parser.add_argument("--database-url", help="another database (e.g. an empty PostgreSQL one)")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "search-bench.db"
    url = args.database_url or f"sqlite:///{path}"
    lexicon_cost()
    app = create_app(make_config(url))
    rng = random.Random(5)
    with app.app_context():
        upgrade()
        have = db.session.scalar(select(func.count()).select_from(search_document))
        if have < args.posts:
            print(f"Bygger {args.posts} inlägg i {url} …")
            server = server_clock()
            started, started_cpu, started_server = (
                time.perf_counter(), time.process_time(), server()
            )  # fmt: skip
            build(args.posts, rng)
            # SQLite's work is this process's; PostgreSQL's is its backend's: one thread, so the
            # pool hands out its one connection each time (VACUUM ANALYZE's too, as a rule).
            cpu, server_cpu = time.process_time() - started_cpu, server() - started_server
            print(f"  klart på {time.perf_counter() - started:.0f} s (CPU här: {cpu:.0f} s, "
                  f"i PostgreSQL-servern: {server_cpu:.0f} s)")  # fmt: skip
        docs = db.session.scalar(select(func.count()).select_from(search_document))
        work = queries(rng, args.queries)
        db.session.commit()  # SQLite: the app's transactions take the write lock; let it go
        first_query_cost(url)
        for query, options in work[:20]:  # warm the lemma caches and SQLite's page cache
            search(query, **options)
        server = server_clock()
        wall, cpu, both, hits = [], [], [], []
        for query, options in work:
            started, started_cpu, started_server = (
                time.perf_counter(), time.process_time(), server()
            )  # fmt: skip
            page = search(query, **options)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            both.append(cpu[-1] + (server() - started_server) * 1000)
            hits.append(page.shown_total)
        print(f"{docs} dokument, {len(work)} sökningar (träffar per sökning: median "
              f"{statistics.median(hits):.0f}, max {max(hits)}; taket är {COUNT_CAP})")  # fmt: skip
        # CPU time as well: on a shared machine the wall clock also measures the neighbours.
        # On PostgreSQL the server's CPU time for this connection is added (it runs here too).
        timings = [("väggklocka", wall), ("CPU-tid", cpu)]
        if db.engine.dialect.name == "postgresql":
            timings.append(("CPU-tid med PostgreSQL-serverns", both))
        for name, values in timings:
            values.sort()
            p95 = values[int(len(values) * 0.95) - 1]
            print(f"search() {name}: median {statistics.median(values):.2f} ms, "
                  f"p95 {p95:.2f} ms, max {values[-1]:.2f} ms")  # fmt: skip
        print(f"belastning (1 min): {os.getloadavg()[0]:.1f} på {os.cpu_count()} kärnor")


def server_clock():
    """Seconds of CPU the database server has spent on this session's connection (PostgreSQL on
    this machine: its backend process's run time from /proc); always 0 for SQLite, whose work
    is this process's own CPU time."""
    if db.engine.dialect.name != "postgresql":
        return lambda: 0.0
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    schedstat = Path(f"/proc/{pid}/schedstat")
    return lambda: int(schedstat.read_text().split()[0]) / 1e9


LEXICON_COST = """
import os, time
from hub.forum import lemmas

def memory():
    # RSS counts pages shared with other processes too; USS (private pages) is what this
    # process alone costs.
    fields = {}
    for line in open("/proc/self/smaps_rollup"):
        name, *value = line.split()
        if value and value[0].isdigit():
            fields[name.rstrip(":")] = int(value[0]) / 1024
    return fields["Rss"], fields["Private_Clean"] + fields["Private_Dirty"]

rss, uss = memory()
started = time.perf_counter()
lemmas.load()
seconds = time.perf_counter() - started
loaded_rss, loaded_uss = memory()
lemmas.index_text("Läkemedelsrobotarna på boendet laddar inte surfplattorna")
read, write = os.pipe()
if os.fork() == 0:  # a worker forked after loading (gunicorn --preload)
    lemmas.index_text("Trygghetslarmen larmar i onödan på nätterna")
    os.write(write, ("%.1f %.1f" % memory()).encode())
    os._exit(0)
os.wait()
child_rss, child_uss = map(float, os.read(read, 100).split())
print(f"{seconds:.2f} {loaded_rss - rss:.1f} {loaded_uss - uss:.1f}", child_rss, child_uss)
"""


FIRST_QUERY = """
import sys, time
from pathlib import Path
from sqlalchemy import text
from hub import create_app
from hub.extensions import db
from hub.forum.search import search
from hub.warmup import warm_worker
from tests.conftest import make_config


def server_seconds():
    # PostgreSQL: the CPU time of this connection's backend since it started (as in main()).
    if db.engine.dialect.name != "postgresql":
        return 0.0
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


app = create_app(make_config(sys.argv[1]))  # the lexicon loads here, as in a worker
before = 0.0  # a fresh process: its backend's whole CPU time is the first search's
if sys.argv[2] == "worker":
    warm_worker(app)  # what gunicorn.conf.py has each worker do before its first request
    with app.app_context():  # the same connection, back from the pool
        before = server_seconds()
with app.app_context():
    started, started_cpu = time.perf_counter(), time.process_time()
    search("surfplattan laddar")
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    both = cpu + server_seconds() - before
    print(f"{wall * 1000:.1f} {cpu * 1000:.1f} {both * 1000:.1f}")
"""


def first_query_cost(url: str) -> None:
    """The first search in a fresh process: a worker's first request after start, as gunicorn
    runs one (after ``warm_worker``), and in a process that has done nothing before it."""
    root = Path(__file__).resolve().parent.parent
    for kind, name in (("worker", "efter arbetsprocessens uppvärmning"), ("cold", "helt kall")):
        done = subprocess.run(
            [sys.executable, "-c", FIRST_QUERY, url, kind], cwd=root, capture_output=True, text=True
        )
        if done.returncode:  # e.g. another process holding the SQLite file: say so, go on
            print("första sökningen i en ny process: misslyckades:", done.stderr.strip()[-300:])
            return
        wall, cpu, both = done.stdout.split()[-3:]
        server = f", med PostgreSQL-serverns {both} ms" if url.startswith("postgresql") else ""
        print(f"första sökningen i en ny process, {name}: {wall} ms (CPU {cpu} ms{server})")


def lexicon_cost() -> None:
    """What loading the lexicon costs one worker, measured in a fresh Python."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", LEXICON_COST], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    print(f"lexikonet: laddas på {out[0]} s; minne per arbetsprocess: RSS +{out[1]} MB, "
          f"USS +{out[2]} MB; en arbetsprocess gafflad efter laddningen (--preload): "
          f"RSS {out[3]} MB, USS {out[4]} MB i allt")  # fmt: skip


if __name__ == "__main__":
    main()
