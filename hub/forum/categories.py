"""The rules for the forum's categories: the only writer of ``Category``. The admin area calls them.

Functions flush, never commit; a broken rule raises ``RuleError`` at its form field.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, select

from hub.core.db import flush_unique
from hub.core.kept import drop_kept
from hub.core.links import check_address_name
from hub.core.rules import RuleError
from hub.extensions import db
from hub.forum.models import Category, Question


def check_category_slug_free(slug: str, category: Category | None = None) -> None:
    query = select(Category.id).where(Category.slug == slug)
    if category is not None:
        query = query.where(Category.id != category.id)
    if db.session.scalar(query) is not None:
        raise RuleError(_("Adressnamnet %(slug)s används redan.", slug=slug), field="slug")


def save_category(
    category: Category | None, name: str, slug: str, description: str = "", position: int = 0
) -> Category:
    """Change ``category``, or make a new one when it is None."""
    check_address_name(slug)
    check_category_slug_free(slug, category)
    if category is None:
        category = Category()
        db.session.add(category)
    category.name = name
    category.slug = slug
    category.description = description
    category.position = position
    flush_unique("slug", _("Adressnamnet %(slug)s används redan.", slug=slug))
    drop_kept()
    return category


def category_is_empty(category: Category) -> bool:
    # Deleted and hidden questions count too: they still point at the category.
    return not db.session.scalar(select(exists().where(Question.category_id == category.id)))


def delete_category(category: Category) -> bool:
    """Only an empty category goes."""
    if not category_is_empty(category):
        return False
    db.session.delete(category)
    db.session.flush()
    drop_kept()
    return True
