"""WTForms' own messages come from its catalogue in the reader's language, read from disk once
per language and process, never inside a request (``hub.core.i18n.install_form_messages``)."""

from __future__ import annotations

import pytest

from hub.core import i18n


@pytest.mark.parametrize(
    ("language", "message"), [("sv", "Inte ett giltigt val"), ("en", "Not a valid choice")]
)
def test_a_built_in_message_in_the_readers_language_without_reading_a_file(
    client, login, create_user, monkeypatch, language, message
):
    def no_file(*_args, **_kwargs):
        raise AssertionError("WTForms' catalogue read inside a request")

    login(create_user(locale=language))
    monkeypatch.setattr(i18n.Translations, "load", no_file)

    response = client.get("/sok?q=laddning&tagg=finns-inte")

    assert response.status_code == 400
    assert message in response.text


def test_a_plural_message_from_the_kept_catalogue(app):
    with app.test_request_context("/"):
        assert i18n.FormMessages().ungettext("%(num)d item", "%(num)d items", 2) == (
            "%(num)d items"
        )
