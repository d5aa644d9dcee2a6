"""Swedish text to search terms, the same in Python for SQLite and PostgreSQL.

The lexicon is the Swedish Hunspell dictionary (``hunspell-sv``, with its affix and compound
rules) read by the Hunspell C library, beside simplemma's form table for the irregular forms
Hunspell lists as words of their own (``nätterna`` → ``natt``, ``böcker`` → ``bok``), read from a
compact file (``hub.forum.forms_table``). The README says why this pair was chosen. Both sides
of a search use the same functions:

* a word's **base forms**: Hunspell's stems, the compound rebuilt from its first parts and its
  last part's stem (``läkemedelsrobotarna`` → ``läkemedelsrobot``), simplemma's lemma, and the
  verb a noun is made from (``laddning`` → ``ladda``, ``installation`` → ``installera``), so a noun
  finds its verb and the other way round;
* for a document word only, every **part** of a compound with its base forms, the linking -s-
  dropped (``trygghetslarmet`` → ``trygghet``, ``larm``), so ``trygghet`` and ``larm`` both find
  ``trygghetslarmet`` while a query for ``trygghetslarm`` does not find every ``larm``.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from functools import lru_cache
from itertools import chain
from pathlib import Path

import hunspell

from hub.forum import forms_table

# Letters and digits only: these terms pass unchanged through FTS5's unicode61 tokenizer and
# PostgreSQL's ``simple`` parser, so every dialect sees exactly the terms made here.
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORD_LENGTH = 40
MIN_PART = 3  # shorter "parts" (in, av, ö …) split too many words that are not compounds
MAX_PARTS = 4  # the dictionary's COMPOUNDWORDMAX
# Words whose analyses a worker keeps (about 0.5 kB each, per cache): a forum's everyday words,
# while a worker's memory stays bounded however many different words its posts hold.
CACHED_WORDS = 20_000

# Where pip puts the hunspell-sv package's files (its data files go under the environment).
DICTIONARY = Path(sys.prefix) / "share" / "hunspell" / "sv_SE"

# Words so common that requiring them would only lose hits; they are neither indexed nor searched.
STOPWORDS = frozenset(
    """
    och i att det som en på är av för med till den har de inte om ett han men var jag sig från
    vi så kan man när år säger hon under också efter eller nu sin där vid mot ska skulle kommer ut
    får finns vara hade alla andra mycket än här då sedan över bara in blir upp även vad många hur
    du dem detta denna dessa vilken vilket vilka mig dig oss er min mitt mina din ditt dina sitt
    sina hans hennes deras ni the
    """.split()  # noqa: SIM905  (a word list reads better as text)
)

# A noun made from a verb, and the verb's ending: laddning → ladda, installation → installera.
NOUN_TO_VERB = (
    ("ering", "era"),
    ("kation", "cera"),
    ("ation", "era"),
    ("ning", "a"),
    ("ing", "a"),
    ("else", "a"),
    ("ande", "a"),
    ("ende", ""),
)
# Particles a Swedish verb takes in front in its noun (inloggning ↔ logga in).
PARTICLES = ("in", "ut", "upp", "av", "på", "till", "om", "fram", "bort", "med", "över", "under")


class Lexicon:
    """The Swedish Hunspell dictionary. Hunspell's C object is not thread-safe, hence the lock."""

    def __init__(self, path: Path = DICTIONARY) -> None:
        self._speller = hunspell.HunSpell(f"{path}.dic", f"{path}.aff")
        self._lock = threading.Lock()

    def analyses(self, word: str) -> list[str]:
        with self._lock:
            return self._speller.analyze(word)

    def stems(self, word: str) -> list[str]:
        with self._lock:
            return self._speller.stem(word)


_lexicon: Lexicon | None = None
_load_lock = threading.Lock()


def lexicon() -> Lexicon:
    global _lexicon
    if _lexicon is None:
        with _load_lock:
            if _lexicon is None:
                _lexicon = Lexicon()
    return _lexicon


def load() -> None:
    """Load both lexicons now (at worker start), so that no request pays for it."""
    lexicon()
    _forms_table()


def _decoded(values: list) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else v for v in values]


@lru_cache(maxsize=CACHED_WORDS * 2)
def analyse(word: str) -> tuple[tuple[str, ...], bool]:
    """Hunspell's stems of a word and whether it is a word of the dictionary's own (not a
    compound Hunspell put together)."""
    stems, entry = [], False
    for analysis in _decoded(lexicon().analyses(word)):
        fields = analysis.split()
        parts = [f[3:] for f in fields if f.startswith("pa:")]
        stem = next((f[3:] for f in reversed(fields) if f.startswith("st:")), word)
        if parts:
            # A compound: Hunspell names the last part's stem only; put the front back on.
            front = word[: len(word) - len(parts[-1])] if word.endswith(parts[-1]) else ""
            stems.append(front + stem)
        else:
            entry = True
            stems.append(stem)
    return tuple(dict.fromkeys(s.lower() for s in stems)), entry


def known(word: str) -> bool:
    """A word the dictionary has itself, in any inflected form."""
    return analyse(word)[1]


@lru_cache(maxsize=1)
def _forms_table() -> forms_table.FormsTable:
    # simplemma's table (form → lemma) from its compact file, not simplemma's 90 MB dict.
    return forms_table.open_table()


def _reopen_in_child() -> None:
    # SQLite connections must not cross a fork (gunicorn --preload): a forked worker opens its
    # own at once, so that its first search does not pay for it (0.7 ms).
    was_open = _forms_table.cache_info().currsize > 0
    _forms_table.cache_clear()
    if was_open:
        _forms_table()


os.register_at_fork(after_in_child=_reopen_in_child)


def part_word(word: str) -> bool:
    """A word that can be a part of a compound: known to both lexicons. Hunspell's list has
    fragments of its own (``dning``, ``arna``) that would otherwise split ``laddning``."""
    return word in _forms_table() and known(word)  # the table first: a lookup, not an analysis


def _verbs_of(noun: str) -> list[str]:
    verbs = _verbs_made_from(noun)
    if not verbs:
        # "inloggning" is made from "logga in": try the noun without its particle.
        particle = next((p for p in PARTICLES if noun.startswith(p)), "")
        verbs = _verbs_made_from(noun[len(particle) :]) if particle else []
    return verbs


def _verbs_made_from(noun: str) -> list[str]:
    # Both -ning and -ing can fit (laddning ← ladda, träning ← träna): keep every real verb.
    return [
        noun[: -len(ending)] + verb_ending
        for ending, verb_ending in NOUN_TO_VERB
        if noun.endswith(ending)
        and len(noun) - len(ending) >= 2
        and spelled(noun[: -len(ending)] + verb_ending)
    ]


def spelled(word: str) -> bool:
    """A word Hunspell accepts, compounds it builds itself included."""
    return bool(analyse(word)[0])


@lru_cache(maxsize=CACHED_WORDS)
def base_forms(word: str) -> tuple[str, ...]:
    """The word's base forms (and the verb of a noun), the word itself first."""
    stems, _ = analyse(word)
    forms = dict.fromkeys((word, *stems, _forms_table().lemma(word) or word))
    for form in list(forms):
        # The dictionary often stops at a participle (laddade -> laddad); add the verb (ladda).
        if form.endswith("ad") and len(form) > 4 and known(form[:-1]):
            forms[form[:-1]] = None
        forms.update(dict.fromkeys(_verbs_of(form)))
    return tuple(f for f in forms if WORD_RE.fullmatch(f))


def is_lemma(word: str) -> bool:
    """A base form both lexicons know (``bild``, not the ``den`` ending ``bilden``)."""
    return part_word(word) and word in analyse(word)[0]


@lru_cache(maxsize=CACHED_WORDS)
def compound_parts(word: str, depth: int = 1) -> tuple[str, ...]:
    """The parts of a compound (in its base form), the linking -s- dropped (``läkemedelsrobot`` →
    ``läkemedel``, ``robot``); empty when the word is not a compound.

    The longest last part wins; it must be a base form both lexicons know, and the front must be
    a word of its own too (or a compound of them), so that ``sensor`` does not become ``sen`` +
    ``sor``.
    """
    if len(word) < 2 * MIN_PART or word.isdigit() or depth > MAX_PARTS:
        return ()
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        front, head = word[:cut], word[cut:]
        if max(len(front), len(head)) < MIN_PART + 1 or not is_lemma(head):
            continue
        for candidate in _fronts(front):
            if part_word(candidate):
                return (candidate, head)
            inner = compound_parts(candidate, depth + 1)
            if inner:
                return (*inner, head)
    return ()


def _fronts(front: str) -> tuple[str, ...]:
    # Swedish joins parts with a linking s (trygghet-s-larm, arbete → arbets-), or changes or
    # drops the first part's last vowel (läsplatte-fodral, skol-gård).
    if front.endswith("s") and len(front) > MIN_PART:
        return (front, front[:-1], front[:-1] + "e")
    if front.endswith("e"):
        return (front, front[:-1] + "a")
    return (front, front + "a") if len(front) > MIN_PART else (front,)


@lru_cache(maxsize=CACHED_WORDS)
def index_terms(word: str) -> tuple[str, ...]:
    """All terms a document word is indexed under (``word`` is already lower case)."""
    forms = base_forms(word)
    terms = dict.fromkeys(forms)
    # Split the base forms, not the word: "bilden" is "bild" + an ending, not "bil" + "den".
    for form in forms[1:] or forms:
        for part in compound_parts(form):
            terms.update(dict.fromkeys(base_forms(part)))
    return tuple(terms)


@lru_cache(maxsize=CACHED_WORDS)
def query_terms(word: str) -> tuple[str, ...]:
    """The terms a query word matches: its base forms, never a part of it."""
    return base_forms(word)


def words(text: str) -> list[str]:
    """Lower-case words of a text, without stopwords and absurdly long runs."""
    # findall and a comprehension, not a generator of match objects: every post is indexed
    # through here, 40 % of an index build's Python time before.
    return [
        word
        for word in WORD_RE.findall(text.lower())
        if word not in STOPWORDS and len(word) <= MAX_WORD_LENGTH
    ]


def index_text(text: str) -> str:
    """A text as the space-separated terms the index stores."""
    return " ".join(chain.from_iterable(map(index_terms, words(text))))


def query_groups(text: str, limit: int = 12) -> list[tuple[str, ...]]:
    """A query as groups of alternative terms: every group must match (AND of ORs)."""
    groups: list[tuple[str, ...]] = []
    for word in words(text):
        terms = query_terms(word)
        if terms and terms not in groups:
            groups.append(terms)
        if len(groups) >= limit:
            break
    return groups
