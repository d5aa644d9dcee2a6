"""PostgreSQL: the forum's tier vectors as postings (tier, term, id), newest first by a btree

Revision ID: 0057
Revises: 0054
Create Date: 2026-12-05 23:50:00.000000

Issue 17 (search7, session 15). A tier's pool is its newest hits. A GIN index gives every hit of
a word, in no useful order: a listed tier read every hit's row and sorted ("kamera" at large: 925
rows of ``search_words`` on 674 heap pages to keep 100), a walked one tested every row it passed
(``inloggning``: 4,523 rows). ``search_posting`` holds one row per term of each tier's vector,
keyed (src, term, id) with the row's boost beside it: the newest 100 hits of a term are an
index-only scan of some 100 entries (a few pages). ``src`` is the tier's vector: 0 the titles'
words (``search_title.words``), 1 the words as written (``search_words.words``), 2 the titles'
terms (``search_title.terms``), 3 the terms (``search_terms.terms``). Triggers on the three tier
tables keep it, once per statement (their rows come and go with the documents' and questions'
triggers, migrations 0032 and 0035). SQLite: nothing (FTS5 reads its lists newest first).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0057"
down_revision = "0054"
branch_labels = None
depends_on = None

# Each tier table's vectors, as (src, column).
SOURCES = {
    "search_title": ((0, "words"), (2, "terms")),
    "search_words": ((1, "words"),),
    "search_terms": ((3, "terms"),),
}


def postings(table: str, rows: str) -> str:
    """The postings of ``rows`` (rows of ``table``), as a SELECT of (src, term, id, boosted)."""
    return " UNION ALL ".join(
        f"SELECT {src}::smallint, t.term, r.id, r.boosted FROM {rows} r,"  # noqa: S608  (fixed names)
        f" unnest(tsvector_to_array(r.{column})) AS t(term)"
        for src, column in SOURCES[table]
    )


def changed(table: str) -> str:
    """An update's old and new rows (``o``, ``n``) whose postings differ."""
    old, new = (
        "(" + ", ".join(f"{r}.{c}" for _, c in SOURCES[table]) + f", {r}.boosted)"
        for r in ("o", "n")
    )
    return f"{old} IS DISTINCT FROM {new}"


def trigger_function(table: str) -> str:
    """One function per tier table, for each statement that inserts, deletes or updates it:
    the postings of the rows gone are deleted, those of the rows come inserted (an update:
    only of rows whose vectors or boost changed, the question's other flags not being here)."""
    moved = f"old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed(table)}"
    gone = postings(table, "old_rows")
    was, now = (
        postings(table, f"(SELECT {r}.* FROM {moved})")  # noqa: S608
        for r in ("o", "n")
    )
    return f"""CREATE FUNCTION {table}_postings() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            DELETE FROM search_posting p USING ({was})
                AS g (src, term, id, boosted)
            WHERE p.src = g.src AND p.term = g.term AND p.id = g.id;
            INSERT INTO search_posting (src, term, id, boosted)
            {now};
        ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM search_posting p USING ({gone}) AS g (src, term, id, boosted)
            WHERE p.src = g.src AND p.term = g.term AND p.id = g.id;
        ELSE
            INSERT INTO search_posting (src, term, id, boosted) {postings(table, "new_rows")};
        END IF;
        RETURN NULL;
    END $$"""  # noqa: S608  (fixed names)


def triggers(table: str) -> list[str]:
    each = f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_postings()"
    return [
        f"CREATE TRIGGER {table}_postings_ai AFTER INSERT ON {table}"
        f" REFERENCING NEW TABLE AS new_rows {each}",
        f"CREATE TRIGGER {table}_postings_ad AFTER DELETE ON {table}"
        f" REFERENCING OLD TABLE AS old_rows {each}",
        f"CREATE TRIGGER {table}_postings_au AFTER UPDATE ON {table}"
        f" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {each}",
    ]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # The newest rows are the ones read: vacuumed soon after they come (an index-only scan
    # reads the heap of a page not marked all-visible).
    op.execute(
        "CREATE TABLE search_posting (src smallint NOT NULL, term text NOT NULL,"
        " id integer NOT NULL, boosted boolean NOT NULL)"
        " WITH (autovacuum_vacuum_insert_scale_factor = 0.01,"
        " autovacuum_vacuum_scale_factor = 0.01)"
    )
    for table in SOURCES:
        op.execute(f"INSERT INTO search_posting {postings(table, table)}")
    op.execute("ALTER TABLE search_posting ADD PRIMARY KEY (src, term, id) INCLUDE (boosted)")
    for table in SOURCES:
        op.execute(trigger_function(table))
        for statement in triggers(table):
            op.execute(statement)
    op.execute("ANALYZE search_posting")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SOURCES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER {table}_postings_{suffix} ON {table}")
        op.execute(f"DROP FUNCTION {table}_postings()")
    op.execute("DROP TABLE search_posting")
