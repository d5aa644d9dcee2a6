"""Fixtures of the mail tests: a real SMTP server (aiosmtpd) and the app pointed at it."""

from __future__ import annotations

import pytest

from tests.mail.helpers import smtp_server


@pytest.fixture
def smtp(app):
    """A local SMTP server; the app sends to it. ``smtp.messages`` holds what arrived."""
    with smtp_server() as (handler, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
        handler.port = port
        yield handler
