"""simplemma's form table as a compact file: the same answers as simplemma's dict, made once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from hub.forum import forms_table, lemmas

SAMPLE = [
    ("nätterna", "natt"),
    ("böcker", "bok"),
    ("bok", "bok"),
    ("Stockholms", "Stockholm"),  # never looked up: search words are lower case
    ("&c.", "etc."),  # nor words with punctuation
    ("larmen", "Larm"),
]


def test_only_what_a_search_can_ask_for_is_kept() -> None:
    assert forms_table.searchable(SAMPLE) == [
        ("bok", ""),
        ("böcker", "bok"),
        ("larmen", "larm"),
        ("nätterna", "natt"),
    ]


def test_a_written_table_answers_like_the_dict(tmp_path: Path) -> None:
    path = tmp_path / "forms.sqlite3"
    forms_table.write(path, forms_table.searchable(SAMPLE))
    table = forms_table.FormsTable(path)
    assert table.lemma("nätterna") == "natt"
    assert table.lemma("bok") == "bok"
    assert table.lemma("larmen") == "larm"
    assert table.lemma("stockholms") is None
    assert "böcker" in table
    assert "robotdammsugare" not in table
    assert not list(tmp_path.glob("*.partial"))


def test_the_real_table_agrees_with_simplemma() -> None:
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    source = DefaultDictionaryFactory().get_dictionary("sv")
    table = lemmas._forms_table()
    for word in ("nätterna", "böcker", "mötena", "surfplattorna", "laddade", "larmet", "qzx"):
        assert table.lemma(word) == (source[word].lower() if word in source else None)


def test_a_missing_file_is_made_once_by_one_process(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "dir" / "forms.sqlite3"
    made = []

    def make(command, **kwargs):  # the real build reads simplemma's whole table (seconds)
        made.append(command)
        forms_table.write(Path(command[-1]), forms_table.searchable(SAMPLE))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(forms_table.subprocess, "run", make)
    threads = [threading.Thread(target=forms_table.open_table, args=(path,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == [[sys.executable, "-m", "hub.forum.forms_table", str(path)]]
    assert forms_table.open_table(path).lemma("böcker") == "bok"


def test_the_file_goes_to_the_temp_dir_when_the_environment_is_read_only(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(forms_table.sys, "prefix", str(tmp_path / "venv"))
    assert forms_table.default_path().parent == tmp_path / "venv" / "share" / "stafetten"
    monkeypatch.setattr(forms_table.os, "access", lambda *_: False)
    monkeypatch.setattr(forms_table.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    assert forms_table.default_path().parent.parent == tmp_path / "tmp"
    (tmp_path / "a-file").write_text("")
    monkeypatch.setattr(forms_table.sys, "prefix", str(tmp_path / "a-file"))
    assert forms_table.default_path().parent.parent == tmp_path / "tmp"


def test_a_forked_worker_opens_its_own_connection() -> None:
    parent = lemmas._forms_table()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child reports through the pipe)
        child = lemmas._forms_table()
        os.write(write, b"own" if child is not parent and child.lemma("böcker") == "bok" else b"x")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 10) == b"own"


def test_after_a_fork_the_table_is_reopened_only_where_it_was_open() -> None:
    parent = lemmas._forms_table()
    lemmas._reopen_in_child()  # what a forked child runs first
    assert lemmas._forms_table.cache_info().currsize == 1
    assert lemmas._forms_table() is not parent
    lemmas._forms_table.cache_clear()
    lemmas._reopen_in_child()  # a process that never searched opens nothing
    assert lemmas._forms_table.cache_info().currsize == 0
