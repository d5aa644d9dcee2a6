"""Helpers for looking at PostgreSQL's plans, shared by plan tests and bench/ scripts."""

from __future__ import annotations

import re

NAMED = re.compile(r"%\((\w+)\)s")


def numbered(sql: str) -> tuple[str, list[str]]:
    """psycopg's ``%(name)s`` placeholders as PREPARE's ``$n``, and the names in that order:
    a statement PREPAREd by name runs as the plan a worker's connection keeps for any values
    (with ``plan_cache_mode = force_generic_plan``)."""
    names: list[str] = []

    def number(found: re.Match) -> str:
        if found[1] not in names:
            names.append(found[1])
        return f"${names.index(found[1]) + 1}"

    return NAMED.sub(number, sql), names
