"""Alembic environment, run through Flask-Migrate (``flask db …``)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def render_item(type_, obj, autogen_context):
    """Render our TypeDecorators as their plain SQL type, so revisions never import app code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def process_revision_directives(context, revision, directives):
    # No empty revision when nothing changed.
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def include_name(name, type_, parent_names):
    # The search index tables are dialect-specific (FTS5, tsvector) and not in the models.
    # Indexes on an expression exist only in migrations (see ``EXPRESSION_INDEXES``).
    from hub.auth.accounts import EXPRESSION_INDEXES
    from hub.forum.search import include_name as include_search_name

    if type_ == "index" and name in EXPRESSION_INDEXES:
        return False
    return include_search_name(name, type_, parent_names)


def run_migrations_offline():
    context.configure(
        url=str(target_db.engine.url),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_item=render_item,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("include_name", include_name)
    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
