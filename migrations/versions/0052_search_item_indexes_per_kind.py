"""PostgreSQL: the meetings' and topics' search index read per kind (a key walk and a GIN list each)

Revision ID: 0052
Revises: 0037
Create Date: 2026-12-05 18:00:00.000000

Issue 17 (developer xlarge, session 13): the search page reads the newest hits of each tier for
meetings and for topics (``hub.forum.search.PostgresBackend.item_pool_sql``). With one GIN index
over both kinds, every tier read GIN's whole list of hits and sorted it: a word in every
meeting's title (``nätverket``) read every meeting's row four times, 5,000 rows a tier at 10x the
data, and the topics' part read the same rows again only to drop them for their kind. Now a tier
walks its kind's newest rows when its words are common (an index on ``(kind, id)``) and reads
GIN's list when they are rare, from an index that holds its kind's rows alone (partial, one per
kind: the two kinds are the code's, ``hub.forum.search_items``; a new kind needs its own).

The GIN indexes are made without ``fastupdate``: with it, new entries wait in a pending list that
every search reads whole until VACUUM merges it, and autovacuum comes only after a fifth of the
table's rows are new. On the bench's large data set the old index was all pending list (503
entries, 25 pages read by each of the eight tiers, for any word): the rows were indexed after the
index was made and never vacuumed. Meetings change seldom; an insert into the index itself costs
little.

SQLite searches these rows through FTS5 (``search_item_fts``): nothing changes there.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0052"
down_revision = "0037"
branch_labels = None
depends_on = None

KINDS = ("meeting", "topic")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_search_item_kind_id ON search_item (kind, id)")
    for kind in KINDS:
        op.execute(
            f"CREATE INDEX ix_search_item_{kind}_tsv ON search_item USING gin (tsv)"
            f" WITH (fastupdate = off) WHERE kind = '{kind}'"
        )
    op.execute("DROP INDEX ix_search_item_tsv")
    op.execute("ANALYZE search_item")  # the kinds' shares, for the walks (hub.forum.search_plan)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_search_item_tsv ON search_item USING gin (tsv)")
    for kind in KINDS:
        op.execute(f"DROP INDEX ix_search_item_{kind}_tsv")
    op.execute("DROP INDEX ix_search_item_kind_id")
