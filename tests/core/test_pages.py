from __future__ import annotations

import pytest


def test_start_page_is_swedish(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="sv">' in response.text
    assert "Hoppa till innehållet" in response.text


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_is_503_without_database(app, monkeypatch):
    from hub.extensions import db

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(db.session, "execute", broken)
    assert app.test_client().get("/healthz").status_code == 503


@pytest.mark.parametrize(
    ("path", "method", "status", "text"),
    [
        ("/finns-inte", "get", 404, "Sidan finns inte"),
        ("/healthz", "post", 405, "Det går inte att göra så"),
        ("/logga-in", "post", 400, "Formuläret hade gått ut"),
    ],
)
def test_error_pages_are_swedish_in_the_layout(client, path, method, status, text):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert text in response.text
    assert "Hoppa till innehållet" in response.text


def test_oversized_body_is_413(client):
    response = client.post("/logga-in", data={"email": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "För stor" in response.text


def test_security_headers(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_header_the_answer_set_itself_is_kept():
    # A view may set its own policy or framing rule (an embeddable page, a download): the
    # defaults fill in only what is missing, each once.
    from hub.core.security import FIXED_HEADERS, HSTS, add_security_headers

    headers = [("Content-Security-Policy", "default-src 'none'"), ("X-Frame-Options", "SAMEORIGIN")]
    add_security_headers(headers, {}, (*FIXED_HEADERS, HSTS))
    names = [name for name, _value in headers]
    assert names.count("Content-Security-Policy") == names.count("X-Frame-Options") == 1
    assert dict(headers)["Content-Security-Policy"] == "default-src 'none'"
    assert dict(headers)["X-Frame-Options"] == "SAMEORIGIN"
    assert dict(headers)["X-Content-Type-Options"] == "nosniff"
    assert dict(headers)["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(
    "cache_control, kept",
    [
        ([], "private, no-store"),
        ([("Cache-Control", "private, max-age=300")], "private, no-store"),
        ([("Cache-Control", "private, max-age=31536000, immutable")], None),
    ],
)
def test_a_signed_in_members_answer_is_not_stored_unless_immutable(cache_control, kept):
    from hub.core.security import FIXED_HEADERS, PRIVATE, add_security_headers

    headers = [("Content-Type", "text/html"), *cache_control]
    add_security_headers(headers, {PRIVATE: True}, FIXED_HEADERS)
    values = [value for name, value in headers if name == "Cache-Control"]
    assert values == [kept] if kept else values == [cache_control[0][1]]
    assert "Strict-Transport-Security" not in dict(headers)
