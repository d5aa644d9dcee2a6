"""PostgreSQL: the forum search's GIN indexes keep their pending lists short

Revision ID: 0050
Revises: 0051
Create Date: 2026-12-05 18:30:00.000000

Issue 17 (developer search5, session 13): a GIN index with ``fastupdate`` (the default) keeps new
entries in a pending list, and every scan of the index reads that list whole until VACUUM or the
list's limit (``gin_pending_list_limit``, 4 MB: 512 pages) merges it into the index. A search
scans these indexes several times (each tier that reads GIN's list, the typo fallback, the
similar questions); the bench's xlarge data set carried 237 pending pages in
``ix_search_terms_terms`` and 119 in ``ix_search_words_words``: a word without hits read 448
buffers for nothing (46 with the lists merged), the mix's 22 words 9,717 buffers against 6,501.
A limit of 64 kB (8 pages) keeps what a scan reads bounded while inserts still go to the list
and are merged in bulk; the lists there are now merged at once. Meetings' and topics' indexes
have no pending list (migration 0052).

SQLite searches through FTS5: nothing changes there.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0050"
down_revision = "0051"
branch_labels = None
depends_on = None

INDEXES = (
    "ix_search_title_words",
    "ix_search_title_terms",
    "ix_search_words_words",
    "ix_search_terms_terms",
    "ix_search_document_tsv",
    "ix_search_word_trgm",
)
PENDING_KB = 64


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX {name} SET (gin_pending_list_limit = {PENDING_KB})")
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")
