"""Entry point for gunicorn: ``HUB_ENV=production gunicorn wsgi:app``."""

from config import config_from_env
from hub import create_app

app = create_app(config_from_env())
