"""Swedish text to search terms, the same in Python for SQLite and PostgreSQL.

Snowball's Swedish stemmer (PostgreSQL's ``swedish`` configuration) leaves ``mötena``,
``surfplattan`` and ``lösenordet`` apart from their base forms, so we lemmatise with simplemma's
Swedish dictionary instead. A document token is indexed as several terms at the same spot:

* the word as written (lower case),
* its lemma, plain and greedy (greedy mode finds ``läkemedelsrobot`` in ``läkemedelsrobotarna``),
* for a compound, its head (last part) as written and lemmatised, and the compound rebuilt from its
  first part and the head's lemma (``läkemedels`` + ``robot``).

A query word becomes its own small set (as written and its lemma) without compound heads, so
``robot`` finds ``läkemedelsrobotarna`` but ``läkemedelsrobot`` does not find every ``robot``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import simplemma
from simplemma.strategies.dictionaries import DefaultDictionaryFactory

# Letters and digits only: these terms pass unchanged through FTS5's unicode61 tokenizer and
# PostgreSQL's ``simple`` parser, so every dialect sees exactly the terms made here.
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORD_LENGTH = 40
MIN_PREFIX, MIN_HEAD = 3, 4

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


@lru_cache(maxsize=1)
def _dictionary():
    return DefaultDictionaryFactory().get_dictionary("sv")


def _known(word: str) -> bool:
    return word in _dictionary()


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    return simplemma.lemmatize(word, lang="sv").lower()


@lru_cache(maxsize=200_000)
def greedy_lemma(word: str) -> str:
    return simplemma.lemmatize(word, lang="sv", greedy=True).lower()


@lru_cache(maxsize=200_000)
def split_compound(word: str) -> tuple[str, str] | None:
    """The longest known head whose first part is also a word (``läkemedels|robotarna``)."""
    if len(word) < MIN_PREFIX + MIN_HEAD or word.isdigit():
        return None
    for cut in range(MIN_PREFIX, len(word) - MIN_HEAD + 1):
        prefix, head = word[:cut], word[cut:]
        if not _known(head):
            continue
        # Swedish joins parts with a linking s or e (läkemedel-s-robot, barn-e-…).
        linked = prefix[-1] in "se" and len(prefix) > MIN_PREFIX and _known(prefix[:-1])
        if linked or _known(prefix):
            return prefix, head
    return None


@lru_cache(maxsize=200_000)
def index_terms(word: str) -> tuple[str, ...]:
    """All terms a document word is indexed under (``word`` is already lower case)."""
    base = lemma(word)
    terms = dict.fromkeys((word, base, greedy_lemma(word)))
    # The dictionary often stops at a participle (laddade -> laddad); add the verb (ladda).
    if base.endswith("ad") and len(base) > 4 and _known(base[:-1]):
        terms[base[:-1]] = None
    parts = split_compound(word)
    if parts:
        prefix, head = parts
        head_lemma = lemma(head)
        terms.update(dict.fromkeys((head, head_lemma, prefix + head_lemma)))
    return tuple(t for t in terms if WORD_RE.fullmatch(t))


@lru_cache(maxsize=50_000)
def query_terms(word: str) -> tuple[str, ...]:
    """The terms a query word matches: as written or its lemma, never a part of it."""
    terms = dict.fromkeys((word, lemma(word)))
    return tuple(t for t in terms if WORD_RE.fullmatch(t))


def words(text: str) -> Iterator[str]:
    """Lower-case words of a text, without stopwords and absurdly long runs."""
    for match in WORD_RE.finditer(text.lower()):
        word = match.group()
        if word not in STOPWORDS and len(word) <= MAX_WORD_LENGTH:
            yield word


def index_text(text: str) -> str:
    """A text as the space-separated terms the index stores."""
    return " ".join(term for word in words(text) for term in index_terms(word))


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
