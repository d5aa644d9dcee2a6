"""simplemma's Swedish form table (form → lemma) as a small SQLite file, read on demand.

simplemma keeps its table as a Python dict of about 960,000 strings: some 90 MB in every worker,
and a dict that reference counting makes each forked worker copy. Here the table is written once
(per installed simplemma version) to a read-only SQLite file holding only the keys a search can
ask for (lower-case words of letters and digits). A lookup reads a few pages through the
operating system's file cache, which all workers share; each connection keeps at most
``CACHE_KB`` of pages itself.

The file is made the first time a process needs it, in a separate Python process (so that no
worker ever holds simplemma's dict) and under a lock file (so that workers starting at once make
it once). ``./scripts/test`` and ``./scripts/start`` make it while setting up, so no request and
no test waits for it.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

import simplemma

# What a search looks up: the same letters-and-digits words as hub.forum.lemmas.WORD_RE.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
CACHE_KB = 512
SCHEMA = "CREATE TABLE form (word TEXT PRIMARY KEY, lemma TEXT NOT NULL) WITHOUT ROWID"
FILE_NAME = f"sv-forms-simplemma-{simplemma.__version__}.sqlite3"


def default_path() -> Path:
    """Beside the virtualenv's Hunspell dictionary when that is writable, else in the temp dir."""
    shared = Path(sys.prefix) / "share" / "stafetten"
    try:
        shared.mkdir(parents=True, exist_ok=True)
        if os.access(shared, os.W_OK) or (shared / FILE_NAME).exists():
            return shared / FILE_NAME
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / f"stafetten-{os.getuid()}" / FILE_NAME


def searchable(table: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (form, lemma) pairs a lower-case search word can hit, the lemma in lower case and
    empty when it is the form itself (a fifth of the file's size)."""
    rows = []
    for form, lemma in table:
        if form == form.lower() and _WORD.fullmatch(form):
            lowered = lemma.lower()
            rows.append((form, "" if lowered == form else lowered))
    rows.sort()
    return rows


def write(path: Path, rows: list[tuple[str, str]]) -> None:
    """Write the table to a new file and move it into place (readers never see half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute(SCHEMA)
        connection.executemany("INSERT INTO form (word, lemma) VALUES (?, ?)", rows)
        connection.commit()
        connection.execute("VACUUM")
    finally:
        connection.close()
    os.replace(partial, path)


def build(path: Path) -> None:
    """Make the file from simplemma's own table (run in a process of its own: see ``ensure``)."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    write(path, searchable(DefaultDictionaryFactory().get_dictionary("sv").items()))


def ensure(path: Path) -> Path:
    """The file, made first if it is missing."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f"{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be making it: wait for that one
        if not path.exists():
            subprocess.run(  # noqa: S603  (this Python, this module, our own path)
                [sys.executable, "-m", "hub.forum.forms_table", str(path)],
                cwd=Path(__file__).resolve().parents[2],
                check=True,
            )
    return path


class FormsTable:
    """Lookups in the file. One connection per table, shared by a worker's threads under a lock
    (a lookup takes microseconds)."""

    def __init__(self, path: Path) -> None:
        # immutable: the file is replaced, never changed, so SQLite takes no locks on it.
        self._connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self._connection.execute(f"PRAGMA cache_size=-{CACHE_KB}")
        self._lock = threading.Lock()

    def lemma(self, word: str) -> str | None:
        """The form's lemma (the form itself when it is one), None when the table lacks it."""
        with self._lock:
            row = self._connection.execute(
                "SELECT lemma FROM form WHERE word = ?", (word,)
            ).fetchone()
        if row is None:
            return None
        return row[0] or word

    def __contains__(self, word: str) -> bool:
        return self.lemma(word) is not None


def open_table(path: Path | None = None) -> FormsTable:
    return FormsTable(ensure(path or default_path()))


if __name__ == "__main__":
    # With a path: make that file (``ensure`` calls this). Without: make the default file now,
    # if it is missing (the setup scripts call this).
    if len(sys.argv) > 1:
        build(Path(sys.argv[1]))
    else:
        ensure(default_path())
