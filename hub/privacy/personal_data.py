"""A member's personal data, found generically: every table with a column that points at ``user``.

Walking the metadata rather than listing tables means a new feature's tables are covered the day
they are added; the tests check that no table with personal data is missed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, String, Table, Text, delete, func, or_, select, update

from hub.auth.models import User
from hub.extensions import db

REMOVED_MEMBER = "borttagen medlem"
OTHER_MEMBER = "en annan medlem"
# Columns never shown, even to their owner: they would only help someone who stole the export.
SECRET_MARKERS = ("password", "secret", "token", "recovery", "hash")


def user_columns(table: Table) -> list[Column]:
    return [
        column
        for column in table.columns
        if any(fk.column.table.name == User.__tablename__ for fk in column.foreign_keys)
    ]


def personal_tables() -> Iterator[tuple[Table, list[Column]]]:
    for table in db.metadata.sorted_tables:
        if table.name == User.__tablename__:
            yield table, [table.c.id]
            continue
        columns = user_columns(table)
        if columns:
            yield table, columns


# Mail about the account itself: its links are keys to the account (reset, change of address,
# sign-in), so its bodies never leave the hub, not even to the owner or an admin.
ACCOUNT_MAIL_KINDS = frozenset(
    {
        "account_exists",
        "change_email",
        "confirm_email",
        "email_changed",
        "invitation",
        "login_link",
        "password_reset",
        "security_notice",
    }
)
MAIL_BODY_COLUMNS = ("body_text", "body_html", "headers", "attachments")
ACCOUNT_MAIL_LEFT_OUT = "[Innehållet i e-post om kontot lämnas inte ut.]"
LINK_LEFT_OUT = "[länk borttagen]"
# A link that carries a token (unsubscribe, calendar feed, invitation …): a path segment as
# long as a signed or random token, with a capital letter in it (unlike a question's slug).
TOKEN_LINK = re.compile(
    r"(?:https?://[^\s\"'<>]*?)?/[^\s\"'<>]*?"
    r"(?=[A-Za-z0-9_\-.:]*[A-Z])[A-Za-z0-9_\-.:]{24,}[^\s\"'<>]*"
)


def without_token_links(value: Any) -> Any:
    """Strings, lists and dicts with every tokenised link replaced."""
    if isinstance(value, str):
        return TOKEN_LINK.sub(LINK_LEFT_OUT, value)
    if isinstance(value, list):
        return [without_token_links(item) for item in value]
    if isinstance(value, dict):
        return {key: without_token_links(item) for key, item in value.items()}
    return value


def is_secret(column: Column) -> bool:
    return any(marker in column.name.lower() for marker in SECRET_MARKERS)


def export_member(user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about the member, by table; other members are left out, ids and names alike."""
    export: dict[str, list[dict[str, Any]]] = {}
    others: set[int] = set()
    for table, columns in personal_tables():
        rows = db.session.execute(
            select(table).where(or_(*(column == user_id for column in columns)))
        ).mappings()
        cleaned = [clean_row(table, columns, dict(row), user_id, others) for row in rows]
        if cleaned:
            export[table.name] = cleaned
    return redact_names(export, others)


def clean_row(
    table: Table, columns: list[Column], row: dict[str, Any], user_id: int, others: set[int]
) -> dict[str, Any]:
    for column in table.columns:
        if is_secret(column):
            row.pop(column.name, None)
    if table.name == "outbox_message" and row.get("kind") in ACCOUNT_MAIL_KINDS:
        for name in MAIL_BODY_COLUMNS:
            row[name] = ACCOUNT_MAIL_LEFT_OUT
    for column in columns:
        if row.get(column.name) not in (None, user_id):
            others.add(row[column.name])
            row[column.name] = None  # another member: not part of this member's data
    return {key: without_token_links(jsonable(value)) for key, value in row.items()}


def redact_names(export: dict[str, list[dict[str, Any]]], others: set[int]) -> dict:
    """Texts such as "Olle svarade på din fråga" name another member: that name is theirs."""
    if not others:
        return export
    names = db.session.scalars(select(User.name).where(User.id.in_(others))).all()
    for rows in export.values():
        for row in rows:
            for key, value in row.items():
                if isinstance(value, str):
                    for name in names:
                        value = value.replace(name, OTHER_MEMBER)
                    row[key] = value
    return export


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):  # a mail as it came in (hub.inbound)
        return value.decode("utf-8", errors="replace")
    return value


def erase_member(user: User) -> None:
    """Remove the member and every trace of their name and address; flushes, doesn't commit.

    What happens to each row is what its foreign key says happens when a user is deleted: the
    member's own rows (ON DELETE CASCADE) go; shared rows (ON DELETE SET NULL: their forum posts,
    meetings they made) stay, pointing at nobody, shown as written by "borttagen medlem".
    """
    name, email, user_id = user.name, user.email, user.id
    for table, columns in reversed(list(personal_tables())):
        if table.name == User.__tablename__:
            continue
        for column in columns:
            if keeps_row(column):
                db.session.execute(
                    update(table).where(column == user_id).values({column.name: None})
                )
            else:
                db.session.execute(delete(table).where(column == user_id))
    db.session.execute(delete(User.__table__).where(User.__table__.c.id == user_id))
    scrub_text(name, email)
    db.session.expunge_all()


def keeps_row(column: Column) -> bool:
    (foreign_key,) = column.foreign_keys
    if foreign_key.ondelete:
        return foreign_key.ondelete.upper() == "SET NULL"
    return column.nullable


def scrub_text(*needles: str) -> None:
    """Replace the member's name and address wherever some text still quotes them."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text) or is_secret(column):
                continue
            for needle in filter(None, needles):
                db.session.execute(
                    update(table)
                    .where(column.contains(needle, autoescape=True))
                    .values({column.name: func.replace(column, needle, REMOVED_MEMBER)})
                )
