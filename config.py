"""Configuration classes. Every setting can be overridden by a ``HUB_*`` environment variable."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"HUB_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = env("SECRET_KEY")
    # Old keys still verify tokens signed before a key rotation (unsubscribe links live a year).
    SECRET_KEY_FALLBACKS = [  # noqa: RUF012  (a config value, never mutated)
        k for k in (env("SECRET_KEY_FALLBACKS") or "").split(",") if k
    ]
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'stafetten.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}  # noqa: RUF012
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 4 * 1024 * 1024)
    # Compile every template in create_app (0.5-1 s), not in a member's first request: on in
    # production only, where a worker serves for hours (and gunicorn --preload does it once).
    PRELOAD_TEMPLATES = env_bool("PRELOAD_TEMPLATES", False)

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "hub" / "translations")

    WTF_CSRF_TIME_LIMIT = (
        None  # the token lives as long as the session; shift workers leave forms open
    )

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = env("URL_SCHEME", "http")
    SERVER_NAME = env("SERVER_NAME")
    # Used in emails, where there is no request to take the host from.
    BASE_URL = env("BASE_URL", "http://127.0.0.1:5000")

    MAIL_SERVER = env("MAIL_SERVER")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = env("MAIL_USERNAME")
    MAIL_PASSWORD = env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Stafetten <noreply@stafetten.se>")
    # How the sender logs in: "password" (MAIL_USERNAME/MAIL_PASSWORD, if a user name is set),
    # "xoauth2" (Microsoft 365 without passwords: an OAuth 2.0 client-credentials token for the
    # mailbox MAIL_USERNAME) or "none" (e.g. an Exchange connector that trusts our IP address).
    MAIL_AUTH = env("MAIL_AUTH", "password")
    MAIL_OAUTH_TENANT = env("MAIL_OAUTH_TENANT")  # the Entra tenant (directory) id
    MAIL_OAUTH_TOKEN_URL = env("MAIL_OAUTH_TOKEN_URL")  # default: Microsoft's, for the tenant
    MAIL_OAUTH_CLIENT_ID = env("MAIL_OAUTH_CLIENT_ID")
    MAIL_OAUTH_CLIENT_SECRET = env("MAIL_OAUTH_CLIENT_SECRET")
    # Or a certificate instead of the secret: the private key (PEM file) and its thumbprint.
    MAIL_OAUTH_CERTIFICATE_KEY = env("MAIL_OAUTH_CERTIFICATE_KEY")
    MAIL_OAUTH_CERTIFICATE_THUMBPRINT = env("MAIL_OAUTH_CERTIFICATE_THUMBPRINT")
    MAIL_OAUTH_SCOPE = env("MAIL_OAUTH_SCOPE", "https://outlook.office365.com/.default")
    MAIL_FILE_DIR = env("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
    # The ORGANIZER of meetings in calendar mail: a mailbox someone reads, never a no-reply
    # address (production refuses one). Empty: the sender.
    MAIL_ORGANIZER = env("MAIL_ORGANIZER")
    # ATTENDEE;RSVP=TRUE asks Outlook to send an answer: only once answers by mail reach the hub
    # (on by itself with REPLY_DOMAIN).
    CALENDAR_RSVP = False
    # Mail that comes back (hub/inbound): replies, calendar answers and bounces go to addresses
    # at this domain, whose MX hands them to ``flask hub mail-receiver``. Empty: all of it off.
    REPLY_DOMAIN = env("REPLY_DOMAIN")
    MAIL_RECEIVER_HOST = env("MAIL_RECEIVER_HOST", "127.0.0.1")
    MAIL_RECEIVER_PORT = env_int("MAIL_RECEIVER_PORT", 8025)
    # The largest message the receiver takes; larger ones are refused at LMTP (552).
    MAIL_RECEIVER_MAX_BYTES = env_int("MAIL_RECEIVER_MAX_BYTES", 25 * 1024 * 1024)
    # A message left "handling" this long (the receiver was killed mid-way) is tried again, at
    # most MAIL_RECEIVER_ATTEMPTS times in all; then it is kept for an admin with the reason.
    MAIL_RECEIVER_RETRY_SECONDS = env_int("MAIL_RECEIVER_RETRY_SECONDS", 600)
    MAIL_RECEIVER_ATTEMPTS = env_int("MAIL_RECEIVER_ATTEMPTS", 3)
    # The outbox sender: SMTP timeout, how long a claimed batch is a sender's own, and retries
    # (2, 4, 8 … minutes apart, then the message is marked failed).
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 30)
    MAIL_LEASE_SECONDS = env_int("MAIL_LEASE_SECONDS", 300)
    MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_RETRY_BASE_SECONDS = env_int("MAIL_RETRY_BASE_SECONDS", 120)

    # argon2id cost; tests lower it so that creating users stays fast.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_COST = 64 * 1024

    SEED_DEMO_ALLOWED = True
    HSTS = False
    # Coordinators and admins must turn on two-factor sign-in (off in development and tests, so
    # that the demo accounts work with just the published password).
    REQUIRE_2FA_FOR_STAFF = env_bool("REQUIRE_2FA_FOR_STAFF", False)
    # Login attempts per client IP: (how many, per seconds). Raise it if many members share
    # one public address (a municipality's NAT).
    LOGIN_IP_LIMITS = ((6, 60), (30, 3600))
    # How many reverse proxies in front of the app add X-Forwarded-For (rate limits per IP).
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
    # Sign-in with the municipality's own account (OpenID Connect; see the README for Entra).
    OIDC_METADATA_URL = env("OIDC_METADATA_URL")
    OIDC_CLIENT_ID = env("OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET")
    OIDC_SCOPE = env("OIDC_SCOPE", "openid profile email")
    # ... and over SAML 2.0: the identity providers' metadata files (comma-separated), and
    # optionally this service provider's own key and certificate.
    SAML_IDP_METADATA = env("SAML_IDP_METADATA")
    SAML_ENTITY_ID = env("SAML_ENTITY_ID")
    SAML_KEY_FILE = env("SAML_KEY_FILE")
    SAML_CERT_FILE = env("SAML_CERT_FILE")
    SAML_XMLSEC_BINARY = env("SAML_XMLSEC_BINARY")
    # Nobody is left without an answer: an unanswered question goes to members with matching
    # expertise, later to the coordinators; an asker who got answers is reminded to accept one.
    FORUM_EXPERT_AFTER_HOURS = env_int("FORUM_EXPERT_AFTER_HOURS", 48)
    FORUM_COORDINATOR_AFTER_HOURS = env_int("FORUM_COORDINATOR_AFTER_HOURS", 120)
    FORUM_ACCEPT_REMINDER_AFTER_HOURS = env_int("FORUM_ACCEPT_REMINDER_AFTER_HOURS", 168)
    # How long a worker keeps "Who can answer?"'s ranking of the experts in some topics (per the
    # asker's region) and the search's experts on some tags. Who is shown (the privacy rule, still
    # an expert), their faces and whether they were asked are read on every page; a new helpful
    # answer or expertise moves the order and counts at most this much later. 0: never kept.
    FORUM_EXPERTS_KEPT_SECONDS = env_int("FORUM_EXPERTS_KEPT_SECONDS", 60)
    # How long a worker keeps the reference data its filters show (categories, tags,
    # municipalities, regions, role types, care areas: ``hub.core.kept``). The worker that changes
    # them reads them afresh at once, the others at most this much later. 0: never kept.
    REFERENCE_KEPT_SECONDS = env_int("REFERENCE_KEPT_SECONDS", 60)
    # The relay: the holder is reminded this long before the next meeting is due (counted from the
    # last held meeting or the start of the holding, plus the network's rhythm), the
    # coordinators this long after the holder, and after a further silence the baton passes on.
    # A scheduled meeting whose end lies this far back is marked held automatically.
    BATON_REMIND_BEFORE_DAYS = env_int("BATON_REMIND_BEFORE_DAYS", 84)
    BATON_ESCALATE_AFTER_DAYS = env_int("BATON_ESCALATE_AFTER_DAYS", 7)
    BATON_SILENCE_DAYS = env_int("BATON_SILENCE_DAYS", 28)
    # Nothing booked this long before the network ought to meet (one rhythm after its last
    # meeting, however many holders went silent since): the hub itself asks every member which
    # of three dates suit, and the poll books the most wanted one by itself.
    BATON_POLL_BEFORE_DAYS = env_int("BATON_POLL_BEFORE_DAYS", 42)
    MEETING_AUTO_HELD_AFTER_DAYS = env_int("MEETING_AUTO_HELD_AFTER_DAYS", 2)

    # Posts (questions, answers, comments) one member may write in an hour.
    POSTING_LIMIT_PER_HOUR = env_int("POSTING_LIMIT_PER_HOUR", 60)
    POSTING_LIMIT_QUESTIONS_PER_HOUR = env_int("POSTING_LIMIT_QUESTIONS_PER_HOUR", 10)

    # The material library: where files are kept, and the largest file of each sort in MB.
    # The upload routes take requests this large; HUB_MAX_CONTENT_LENGTH holds everywhere else.
    MATERIAL_STORAGE_DIR = env("MATERIAL_STORAGE_DIR")  # default instance/material
    MATERIAL_MAX_VIDEO_MB = env_int("MATERIAL_MAX_VIDEO_MB", 500)
    MATERIAL_MAX_DOCUMENT_MB = env_int("MATERIAL_MAX_DOCUMENT_MB", 50)
    MATERIAL_MAX_IMAGE_MB = env_int("MATERIAL_MAX_IMAGE_MB", 20)
    MATERIAL_MAX_CAPTIONS_MB = env_int("MATERIAL_MAX_CAPTIONS_MB", 1)
    # Removed material keeps its files this long (a mistake can be undone), then `flask hub
    # prune` deletes them.
    MATERIAL_REMOVED_FILES_DAYS = env_int("MATERIAL_REMOVED_FILES_DAYS", 7)
    # The forum category a material item's discussion question goes in (its slug); the first
    # category when empty or not found.
    MATERIAL_DISCUSSION_CATEGORY = env("MATERIAL_DISCUSSION_CATEGORY", "")

    # Days to keep rows that only log what happened (``flask hub prune``).
    RETENTION_DAYS = env_int("RETENTION_DAYS", 365)
    RETENTION_OUTBOX_DAYS = env_int("RETENTION_OUTBOX_DAYS", 180)
    RETENTION_NOTIFICATION_DAYS = env_int("RETENTION_NOTIFICATION_DAYS", 365)
    # Mail that came back (stored raw, so kept shorter than the rest).
    RETENTION_INBOUND_DAYS = env_int("RETENTION_INBOUND_DAYS", 90)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = env("SECRET_KEY", "dev-only-not-secret")


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105  (tests only)
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SERVER_NAME = "stafetten.test"
    BASE_URL = "http://stafetten.test"
    MAIL_SERVER = None
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_COST = 64
    # Every test client comes from 127.0.0.1: tests that sign many people in must not hit the
    # per-IP login limit. The rate-limit tests set the real limits themselves.
    LOGIN_IP_LIMITS = ((1000, 60), (10000, 3600))
    # Each test makes its own experts (ids come again after a rollback): no ranking is kept
    # across tests; tests/forum/test_experts.py turns it on where it is the point.
    FORUM_EXPERTS_KEPT_SECONDS = 0


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = env("URL_SCHEME", "https")
    SEED_DEMO_ALLOWED = False
    HSTS = True
    # No default: links and Message-IDs for 127.0.0.1 would go out in every mail.
    BASE_URL = env("BASE_URL")
    REQUIRE_2FA_FOR_STAFF = env_bool("REQUIRE_2FA_FOR_STAFF", True)
    PRELOAD_TEMPLATES = env_bool("PRELOAD_TEMPLATES", True)


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[env("ENV", "development")]
