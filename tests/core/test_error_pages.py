"""Error pages the app shows for any part."""

from __future__ import annotations

from flask import abort


def test_the_429_page_is_in_swedish(fresh_app):
    @fresh_app.get("/test-429")
    def too_many():
        abort(429)

    response = fresh_app.test_client().get("/test-429")
    assert response.status_code == 429
    assert "För många försök" in response.text
