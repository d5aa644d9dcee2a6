"""search: the terms of every written word, so that a result page marks its hits without the lexicon

Revision ID: 0027
Revises: 0026

Hand-written, like 0005, 0013 and 0017: the search tables are outside the models.

``search_form`` holds one row per (term, written word) for every word of a visible post, meeting
or topic: the terms ``hub.forum.lemmas.index_terms`` gave the word when it was indexed. A result
page asks it which written words carry the query's terms (one indexed look-up) instead of running
Hunspell on the words of its snippets. Run ``flask hub search-rebuild`` after upgrading to fill
it; until then the page falls back to the lexicon.
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# Looked up by term; the word is in the key, so the look-up reads the index alone.
SQLITE = "CREATE TABLE search_form (term TEXT, word TEXT, PRIMARY KEY (term, word)) WITHOUT ROWID"
POSTGRES = "CREATE TABLE search_form (term TEXT, word TEXT, PRIMARY KEY (term, word))"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(sa.text(SQLITE if sqlite else POSTGRES))


def downgrade():
    op.execute(sa.text("DROP TABLE search_form"))
