"""Stafetten: the home of a network of digitalisation ambassadors in Swedish care."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import make_url
from sqlalchemy.orm import configure_mappers

from config import Config
from hub.core.translated_templates import TranslatedEnvironment
from hub.extensions import babel, db, login_manager, migrate


class Hub(Flask):
    # Each template compiled once per language with its fixed texts translated (issue 17).
    jinja_environment = TranslatedEnvironment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's answer, kept per function: Flask asks it of every hook, context processor
        and view on every request (~18 times for a signed-in page), and each answer inspects
        the function's code flags anew. The hub has no async views; the set of functions is
        the app's own, so the dict stays small."""
        found = self._sync.get(func)
        if found is None:
            found = self._sync[func] = super().ensure_sync(func)
        return found


def create_app(config: type[Config] | Config) -> Flask:
    app = Hub(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.from_object(config)
    check_config(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    import hub.models  # noqa: F401  (every table registered before anything uses the metadata)

    init_extensions(app)
    from hub.core.guards import IdConverter

    # Every <int:…> in a route: ASCII digits within the id columns' range, else 404.
    app.url_map.converters["int"] = IdConverter
    register_blueprints(app)

    from hub.cli import hub_cli, register_part_commands
    from hub.core import cookie_session, edge, errors, security, templating

    cookie_session.install(app)
    edge.install(app)
    errors.register(app)
    security.register(app)
    templating.register(app)
    register_part_commands()
    app.cli.add_command(hub_cli)
    load_search_lexicon()
    templating.preload_templates(app)
    # Relationships resolved here (~0.3 s), not inside a fresh worker's first request.
    configure_mappers()
    return app


def load_search_lexicon() -> None:
    # Once per worker, before its first request: no member waits seconds for the dictionaries.
    from hub.forum import lemmas

    lemmas.load()


def check_config(app: Flask) -> None:
    if app.config["ENV_NAME"] == "production" and not app.config.get("SECRET_KEY"):
        raise RuntimeError("HUB_SECRET_KEY must be set in production.")
    if app.config["ENV_NAME"] == "production" and not app.config.get("BASE_URL"):
        raise RuntimeError("HUB_BASE_URL must be set in production (links in mail use it).")
    if app.config["ENV_NAME"] == "production":
        check_organizer(app)
    if app.config.get("MAIL_AUTH", "password") not in ("password", "xoauth2", "none"):
        raise RuntimeError("HUB_MAIL_AUTH must be password, xoauth2 or none.")
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is missing.")
    logging.basicConfig(level=logging.INFO)


def check_organizer(app: Flask) -> None:
    """Calendar mail names a real mailbox as the organizer: Outlook shows it, answers go there."""
    from hub.meetings.calendar import is_no_reply, organizer_address

    with app.app_context():
        _name, address = organizer_address()
    if is_no_reply(address):
        raise RuntimeError(
            "HUB_MAIL_ORGANIZER (or HUB_MAIL_DEFAULT_SENDER) must be a mailbox someone reads, "
            f"not {address}: it is the organizer of every meeting in members' calendars."
        )


def init_extensions(app: Flask) -> None:
    from hub.core.security import install_csrf

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    # A file has no server connection that can go stale; psycopg's connections are checked at
    # checkout without a round trip (``hub.core.db.check_at_checkout``): no ping per request.
    if url.get_backend_name() == "sqlite" or url.get_driver_name() == "psycopg":
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "pool_pre_ping": False}
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    install_csrf(app)  # first: its hook checks the form before any other hook reads it
    login_manager.init_app(app)

    from hub.core.i18n import (
        install_form_messages,
        install_template_gettext,
        select_locale,
        select_timezone,
    )

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    install_form_messages(app)

    with app.app_context():
        from hub.core.db import configure_postgres, configure_sqlite, dispose_after_fork

        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            configure_postgres(db.engine)
        for engine in db.engines.values():
            dispose_after_fork(engine)


def register_blueprints(app: Flask) -> None:
    # Modules that add routes to another module's blueprint, imported here so that the
    # blueprint's own module need not import them back (no import cycle).
    from hub.admin.views import bp as admin_bp
    from hub.announcements.views import bp as announcements_bp
    from hub.auth import (  # noqa: F401
        external_views,
        invitation_views,
        join_views,
        settings_views,
    )
    from hub.auth.views import bp as auth_bp
    from hub.core.views import bp as core_bp
    from hub.digests.views import bp as digests_bp
    from hub.directory.views import bp as directory_bp
    from hub.forum.search_views import bp as search_bp
    from hub.forum.views import bp as forum_bp
    from hub.health.views import bp as health_bp
    from hub.inbound.views import bp as inbound_bp
    from hub.mail.views import bp as mail_bp
    from hub.material.views import bp as material_bp
    from hub.meetings import poll_views  # noqa: F401
    from hub.meetings.views import bp as meetings_bp
    from hub.notifications.views import bp as notifications_bp
    from hub.privacy.views import bp as privacy_bp
    from hub.site.language import bp as language_bp
    from hub.site.views import bp as site_bp

    for blueprint in (
        core_bp,
        site_bp,
        auth_bp,
        directory_bp,
        forum_bp,
        search_bp,
        meetings_bp,
        material_bp,
        health_bp,
        announcements_bp,
        mail_bp,
        digests_bp,
        notifications_bp,
        admin_bp,
        inbound_bp,
        privacy_bp,
        language_bp,
    ):
        app.register_blueprint(blueprint)
