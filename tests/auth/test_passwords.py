"""The password policy."""

from __future__ import annotations

import pytest

from hub.auth.passwords import check_password_policy, common_passwords


@pytest.mark.parametrize(
    "password",
    [
        "en lång mening om kaffe",
        "Katten-sover-i-fönstret",
        "x" * 9 + "yz!",
        "é" * 6 + "åäöü12",
        "a1b2c3d4e5f6" * 80,  # 960 characters: long passwords are welcome
    ],
)
def test_good_passwords_pass(app, password):
    assert check_password_policy(password, email="karin@laholm.se", name="Karin Lund") == []


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("", "minst 12 tecken"),
        ("elva tecken", "minst 12 tecken"),
        ("a" * 1025, "högst 1024 tecken"),
        ("123456789012", "för vanligt"),
        ("lösenord123456", "för vanligt"),
        ("Sommar2024!!", "för vanligt"),
        ("qwertyuiop123", "för vanligt"),
        ("Password1234", "för vanligt"),
        ("stafetten-demo", "för vanligt"),
        ("aaaaaaaaaaaaaaaa", "för lätt att gissa"),
        ("Stafetten!!2025", "för vanligt"),
        ("karin@laholm.se", "din e-postadress eller ditt namn"),
        ("KarinLundberg12345", "din e-postadress eller ditt namn"),
        ("lundberg!!2025", "din e-postadress eller ditt namn"),
    ],
)
def test_weak_passwords_are_refused_in_swedish(app, password, fragment):
    errors = check_password_policy(password, email="karin@laholm.se", name="Karin Lundberg")
    assert errors and fragment in errors[0], errors


def test_common_list_is_shipped_and_sizeable(app):
    passwords = common_passwords()
    assert len(passwords) >= 300
    assert {"123456", "lösenord123456", "sommar2024", "qwertyuiop123", "stafetten"} <= passwords
