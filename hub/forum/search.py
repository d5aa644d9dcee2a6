"""Full-text search over questions and answers. (Stub: the search work replaces it.)

The forum calls ``reindex_question`` after every change to a question or its answers (create, edit,
delete, hide, merge), in the same transaction.
"""

from __future__ import annotations


def reindex_question(question_id: int) -> None:
    """Bring the search index in step with a question and its answers."""


def rebuild_index() -> int:
    """Rebuild the whole index; returns the number of documents."""
    return 0
