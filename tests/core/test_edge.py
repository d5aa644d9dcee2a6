"""The edge: a request below 400 commits, anything else rolls back; rule errors become answers."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired

from hub.core import ratelimit
from hub.core.db import utcnow
from hub.core.edge import form_status, keep_writes, run_form
from hub.core.ratelimit import RateLimitHit
from hub.core.rules import Conflict, Gone, RuleError, TooMany
from hub.extensions import db


def hits() -> int:
    return db.session.scalar(select(func.count(RateLimitHit.id)).where(RateLimitHit.scope == "e"))


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])
    other = StringField()


def name_rule(name: str) -> str:
    ratelimit.record("e", name)
    db.session.flush()
    if name == "upptaget":
        raise Conflict("Namnet är upptaget.", field="name")
    if name == "låst":
        raise RuleError("Allt är låst.")
    return name.upper()


@pytest.fixture
def edge_app(fresh_app: Flask) -> Flask:
    @fresh_app.post("/skriv/<int:status>")
    def write(status: int):
        ratelimit.record("e", "k")
        return "", status

    @fresh_app.post("/vantar/<kind>")
    def waiting(kind: str):
        """A write the view leaves to the edge: no flush, no statement."""
        if kind == "ny":
            db.session.add(RateLimitHit(scope="e", key="k", at=utcnow()))
            return ""
        ratelimit.record("e", "k")
        db.session.commit()  # the view's own commit, so that the edge sees only what follows
        hit = db.session.scalar(select(RateLimitHit).where(RateLimitHit.scope == "e"))
        if kind == "borttagen":
            db.session.delete(hit)
        else:
            hit.key = "ändrad"
        return ""

    @fresh_app.post("/behall")
    def keep():
        ratelimit.record("e", "k")
        keep_writes()  # the test's own reason: this write must outlive the refusal
        return "", 429

    @fresh_app.post("/krasch")
    def crash():
        ratelimit.record("e", "k")
        raise RuntimeError("oväntat")

    @fresh_app.get("/regel/<kind>")
    def rule(kind: str):
        ratelimit.record("e", "k")
        raise {"gone": Gone("Länken är använd."), "many": TooMany("Vänta.", retry_after=30)}[kind]

    @fresh_app.post("/formular")
    def form_view():
        form = NameForm()
        done = run_form(form, lambda: name_rule(form.name.data))
        if done:
            return done.value
        html = render_template_string(
            "{{ form.name.errors|join('|') }}{{ get_flashed_messages()|join('|') }}", form=form
        )
        return html, form_status(form)

    fresh_app.config.update(PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False)
    return fresh_app


@pytest.mark.parametrize(("status", "kept"), [(200, 1), (302, 1), (400, 0), (404, 0), (409, 0)])
def test_below_400_commits_else_rolls_back(edge_app, status, kept):
    assert edge_app.test_client().post(f"/skriv/{status}").status_code == status
    assert hits() == kept


@pytest.mark.parametrize(("kind", "kept"), [("ny", 1), ("andrad", 1), ("borttagen", 0)])
def test_changes_waiting_for_their_flush_are_committed(edge_app, kind, kept):
    assert edge_app.test_client().post(f"/vantar/{kind}").status_code == 200
    db.session.rollback()  # the test's own view of the data: what was committed
    assert hits() == kept
    if kind == "andrad":
        assert db.session.scalar(select(RateLimitHit.key).where(RateLimitHit.scope == "e")) == (
            "ändrad"
        )


def test_keep_writes_commits_a_refused_request(edge_app):
    assert edge_app.test_client().post("/behall").status_code == 429
    assert hits() == 1


def test_a_crash_rolls_back(edge_app):
    assert edge_app.test_client().post("/krasch").status_code == 500
    assert hits() == 0


def test_a_rule_error_becomes_a_page_with_its_message_and_status(edge_app):
    response = edge_app.test_client().get("/regel/gone")
    assert response.status_code == 410
    assert "Länken är använd." in response.text
    assert hits() == 0


def test_too_many_says_when_to_come_back(edge_app):
    response = edge_app.test_client().get("/regel/many")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"


def test_run_form_gives_the_rules_value(edge_app):
    response = edge_app.test_client().post("/formular", data={"name": "eva"})
    assert (response.status_code, response.text) == (200, "EVA")
    assert hits() == 1


def test_run_form_puts_the_message_at_the_field_with_the_rules_status(edge_app):
    response = edge_app.test_client().post("/formular", data={"name": "upptaget"})
    assert (response.status_code, response.text) == (409, "Namnet är upptaget.")
    assert hits() == 0


def test_run_form_flashes_a_message_without_a_field(edge_app):
    response = edge_app.test_client().post("/formular", data={"name": "låst"})
    assert (response.status_code, response.text) == (400, "Allt är låst.")


def test_an_invalid_form_is_400_and_runs_no_rule(edge_app):
    response = edge_app.test_client().post("/formular", data={"name": ""})
    assert response.status_code == 400
    assert hits() == 0


def test_a_form_shown_fresh_is_200(app):
    with app.test_request_context("/"):
        assert form_status(NameForm()) == 200


def test_rule_errors_answer_only_the_statuses_that_fit():
    with pytest.raises(ValueError, match="rule error answers"):
        RuleError("Nej.", status=500)
    assert RuleError("Nej.", status=403).status == 403
