"""The language switch and the catalogs.

If ``test_every_message_has_an_english_translation`` fails, run ``./scripts/translations``,
write the missing English in ``hub/translations/en/LC_MESSAGES/messages.po`` and run it again.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from hub.extensions import db
from tests.conftest import csrf_token

TRANSLATIONS = Path(__file__).resolve().parents[2] / "hub" / "translations"


def switch(client, locale: str, next_path: str = "/"):
    token = csrf_token(client.get(next_path).text)
    return client.post("/sprak", data={"csrf_token": token, "locale": locale, "next": next_path})


def test_switching_to_english_shows_english_on_the_start_page(client):
    assert "Välkommen till Stafetten" in client.get("/").text
    response = switch(client, "en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    html = client.get("/").text
    assert '<html lang="en">' in html
    assert "Welcome to Stafetten" in html
    assert "Välkommen till Stafetten" not in html
    switch(client, "sv")
    assert "Välkommen till Stafetten" in client.get("/").text


def test_a_signed_in_choice_is_kept_on_the_account(client, create_user, login):
    user = create_user()
    login(user)
    switch(client, "en", "/installningar")
    db.session.refresh(user)
    assert user.locale == "en"


def test_switch_refuses_unknown_languages_foreign_targets_and_missing_csrf(client):
    token = csrf_token(client.get("/").text)
    assert client.post("/sprak", data={"csrf_token": token, "locale": "xx"}).status_code == 400
    response = client.post(
        "/sprak", data={"csrf_token": token, "locale": "en", "next": "//evil.example/"}
    )
    assert response.headers["Location"] == "/"
    assert client.post("/sprak", data={"locale": "en"}).status_code == 400


def read_catalog(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def test_every_message_has_an_english_translation():
    template = read_catalog(TRANSLATIONS / "messages.pot")
    english = read_catalog(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = english.get(message.id, message.context)
        strings = translated.string if translated else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if translated is None or translated.fuzzy or not all(strings):
            missing.append(message.id)
    assert not missing, f"run ./scripts/translations and translate: {missing}"


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_compiled_catalogs_are_up_to_date(locale):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    compiled = BytesIO()
    write_mo(compiled, read_catalog(folder / "messages.po"), use_fuzzy=False)
    assert (folder / "messages.mo").read_bytes() == compiled.getvalue(), (
        "run ./scripts/translations compile"
    )
