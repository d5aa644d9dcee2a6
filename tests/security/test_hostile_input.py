"""Hostile input: every form in the app, filled with empty, over-long, wrong-type, Unicode-edge,
NUL, HTML/script and SQL-looking values, never gives a 500, never damages stored data, and what
comes back on the page is escaped or sanitised."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException, NotFound

from hub.auth.models import User
from hub.extensions import db
from hub.forum.models import Question
from tests.conftest import restored
from tests.security.conftest import CANARY_TITLE, World, sign_in
from tests.security.forms import HOSTILE, Form, fill, find_forms, live_markup
from tests.security.test_authorization_matrix import MATRIX, OK

# Forms in the layout are tried on one page only.
LAYOUT_ACTIONS = {"/logga-ut": "core.settings", "/sprak": "site.start", "/sok": "site.start"}
PREFERRED = ("anonymous", "member", "holder", "coordinator", "admin")


@pytest.fixture
def app(matrix_world: tuple[Flask, World]) -> Iterator[Flask]:
    """The world is built once for this module (``matrix_world``); what a test writes is rolled
    back to it after the test."""
    app, _ = matrix_world
    savepoint = db.session.get_bind().begin_nested()
    try:
        with restored(app):
            yield app
    finally:
        savepoint.rollback()
        db.session.expire_all()


@pytest.fixture
def world(matrix_world: tuple[Flask, World]) -> World:
    return matrix_world[1]


def page_persona(endpoint: str) -> str | None:
    outcomes = MATRIX[endpoint].methods.get("GET", {})
    return next((p for p in PREFERRED if outcomes.get(p) == OK), None)


def form_pages() -> list[str]:
    return [endpoint for endpoint in MATRIX if page_persona(endpoint)]


def user_id(world: World, persona: str) -> str | None:
    return world.users[persona].get_id() if persona in world.users else None


def canary(connection) -> tuple:
    """Rows that no form submitted by these personas may change: the number of accounts and a
    question by a member who submits nothing here."""
    users = connection.execute(select(func.count()).select_from(User)).scalar_one()
    question = connection.execute(
        select(Question.title, Question.body_source).where(Question.title == CANARY_TITLE)
    ).one_or_none()
    return users, question


class Submitter:
    """Submits forms as one persona, each submission inside a savepoint rolled back after it."""

    def __init__(self, app: Flask, world: World, persona: str) -> None:
        self.app = app
        self.user_id = user_id(world, persona)
        self.connection = db.session.get_bind()
        self.failures: list[str] = []

    def page(self, url: str):
        client = self.app.test_client()
        sign_in(self.app, client, self.user_id)
        response = client.get(url)
        if response.status_code in (301, 302, 303, 308):  # e.g. to the question's slugged URL
            response = client.get(urlsplit(response.headers["Location"]).path)
        return response

    def submit(self, form: Form, kind: str, data: dict | None = None) -> None:
        client = self.app.test_client()
        token = sign_in(self.app, client, self.user_id)
        data = fill(form, kind) if data is None else data
        if "csrf_token" in data:
            data["csrf_token"] = token
        path = urlsplit(form.action)
        url = path.path + (f"?{path.query}" if path.query else "")
        before = canary(self.connection)
        savepoint = self.connection.begin_nested()
        try:
            self._send(client, form, url, data, kind)
            after = canary(self.connection)
            if before[1] != after[1] or after[0] < before[0] - 1:  # one may delete themself
                self.failures.append(f"{kind} {form.method} {url}: stored data changed")
        finally:
            savepoint.rollback()

    def _send(self, client, form: Form, url: str, data: dict, kind: str) -> None:
        label = f"{kind} {form.method.upper()} {url}"
        try:
            if form.method == "post":
                response = client.post(url, data=data)
            else:
                response = client.get(url, query_string=data)
        except Exception as error:  # TESTING propagates what would be a 500
            self.failures.append(f"{label}: {type(error).__name__}: {str(error)[:200]}")
            return
        if response.status_code >= 500:
            self.failures.append(f"{label}: {response.status_code}")
        shown = [response]
        location = response.headers.get("Location", "")
        if response.status_code in (302, 303) and location.startswith(("/", "http://stafetten")):
            shown.append(client.get(urlsplit(location).path))
        for page in shown:
            if page.status_code >= 500:
                self.failures.append(f"{label}: then {page.status_code}")
            if page.mimetype == "text/html" and (found := live_markup(page.text)):
                self.failures.append(f"{label}: live markup {found}")


@pytest.mark.parametrize("endpoint", form_pages())
def test_every_form_survives_hostile_values(app, world: World, endpoint):
    if endpoint not in {rule.endpoint for rule in app.url_map.iter_rules()}:
        pytest.skip("route not in this app (yet)")
    persona = page_persona(endpoint)
    submitter = Submitter(app, world, persona)
    url = world.format(MATRIX[endpoint].url)
    page = submitter.page(url)
    assert page.status_code < 500
    if page.status_code != 200 or page.mimetype != "text/html":
        pytest.skip(f"{endpoint}: not an HTML page ({page.status_code} {page.mimetype})")
    forms = [
        form
        for form in find_forms(page.text, f"http://stafetten.test{url}")
        if LAYOUT_ACTIONS.get(urlsplit(form.action).path, endpoint) == endpoint
    ]
    if not forms:
        pytest.skip(f"{endpoint}: no forms on the page")
    for form in forms:
        tried = []
        for kind in HOSTILE:
            data = fill(form, kind)
            if data not in tried:  # a form of buttons only reads the same whatever the kind
                tried.append(data)
                submitter.submit(form, kind, dict(data))
    assert not submitter.failures, f"{persona} on {url}:\n" + "\n".join(submitter.failures)


def test_hostile_query_strings_on_every_page(app, world: World):
    """Hostile values in the query string of every GET page, as the persona that may see it."""
    failures = []
    args = {"q": HOSTILE["html"], "page": "-1' OR 1=1", "sort": "\x00", "per_page": "9" * 30}
    for endpoint in form_pages():
        if endpoint not in {rule.endpoint for rule in app.url_map.iter_rules()}:
            continue
        client = app.test_client()
        sign_in(
            app,
            client,
            world.users[p].get_id() if (p := page_persona(endpoint)) != "anonymous" else None,
        )
        url = world.format(MATRIX[endpoint].url)
        url += ("&" if "?" in url else "?") + urlencode(args)
        try:
            response = client.get(url)
        except Exception as error:  # TESTING propagates what would be a 500
            failures.append(f"{url}: {type(error).__name__}: {error}")
            continue
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
        elif response.mimetype == "text/html" and (found := live_markup(response.text)):
            failures.append(f"{url}: live markup {found}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", ["/kommun/13%0081", "/natverk/a%00b", "/fragor/%00", "/%00"])
def test_nul_in_the_path_is_refused_cleanly(client, path):
    assert client.get(path).status_code in (400, 404)


def test_nul_in_a_form_is_dropped_and_the_text_kept(app, client, world):
    from hub.mail.models import OutboxMessage

    token = sign_in(app, client, None)
    response = client.post(
        "/tillganglighet", data={"csrf_token": token, "description": "Knapp\x00en syns inte"}
    )
    assert response.status_code == 302
    bodies = db.session.scalars(select(OutboxMessage.body_text)).all()
    assert any("Knappen syns inte" in body for body in bodies)


# Generated text on the forms where people write the most: every field of the form gets the
# same generated string (typed fields a sensible value), as the persona that uses the form.
KEY_FORMS = {
    "forum.ask": "/fragor/ny",
    "forum.question": "/fragor/{question_id}/svar",
    "directory.edit_profile": "/installningar/profil",
    "meetings.new_meeting": "/traffar/ny",
    "site.accessibility": "/tillganglighet",
}
GENERATED = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=300
) | st.sampled_from([value for key, value in HOSTILE.items() if key != "long"])


@pytest.mark.parametrize("endpoint", list(KEY_FORMS))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=GENERATED)
def test_generated_text_in_key_forms(app, world: World, endpoint, text):
    if endpoint not in {rule.endpoint for rule in app.url_map.iter_rules()}:
        pytest.skip("route not in this app (yet)")
    persona = page_persona(endpoint)
    submitter = Submitter(app, world, persona)
    url = world.format(MATRIX[endpoint].url)
    page = submitter.page(url)
    action = world.format(KEY_FORMS[endpoint])
    form = next(
        (f for f in find_forms(page.text, f"http://stafetten.test{url}") if action in f.action),
        None,
    )
    assert form is not None, f"no form posting to {action} on {url}"
    data = fill(form, "unicode")
    for name, value in data.items():
        if value == HOSTILE["unicode"]:
            data[name] = text
    submitter.submit(form, "generated", data)
    assert not submitter.failures, "\n".join(submitter.failures)


# --- One guard for numbers and text in URLs (finding 3) ------------------------------------
HOSTILE_IDS = {
    "2^31": str(2**31),
    "2^63": str(2**63),
    "2^64": str(2**64),
    "superscript": "%C2%B2",  # "²"
    "arabic_indic": "%D9%A1%D9%A2",  # "١٢": \\d matches, and int() takes it
}
ID_PLACEHOLDER = re.compile(r"\{(\w+_id)\}")


def hostile_urls(template: str) -> list[tuple[str, str]]:
    """The route's URL once per hostile number in each of its id places."""
    urls = []
    for placeholder in set(ID_PLACEHOLDER.findall(template)):
        for name, value in HOSTILE_IDS.items():
            urls.append((f"{placeholder}={name}", template.replace("{" + placeholder + "}", value)))
    return urls


def request_as(app, world, persona, method, url, data=None):
    client = app.test_client()
    token = sign_in(app, client, user_id(world, persona))
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": token, **(data or {})})


def refused_by_routing(app, method: str, url: str) -> bool:
    """The id guard turned the URL down before any view ran (the same 404 for everyone)."""
    try:
        app.url_map.bind("stafetten.test").match(urlsplit(url).path, method=method)
    except NotFound:
        return True
    except HTTPException:  # a redirect or another method: the request itself tells
        return False
    return False


def test_hostile_ids_in_every_route(app, world: World):
    """Every route with an id, every hostile number in it, as an admin and as the persona the
    route is for: never a 500 (on PostgreSQL 2³¹ overflowed ``integer``; 2⁶³ SQLite). A URL the
    id guard refuses at routing reaches no view, so one request shows its 404 for all."""
    failures = []
    connection = db.session.get_bind()
    refused_sample: dict[str, tuple[str, str, dict]] = {}
    for route in MATRIX.values():
        for label, template in hostile_urls(route.url):
            url = world.format(template)
            for method, outcomes in route.methods.items():
                if refused_by_routing(app, method, url):
                    refused_sample.setdefault(label.partition("=")[2], (method, url, route.data))
                    continue
                personas = {"admin"} | {p for p, o in outcomes.items() if o == OK}
                for persona in sorted(personas - {"anonymous"}):
                    savepoint = connection.begin_nested()
                    try:
                        response = request_as(app, world, persona, method, url, route.data)
                    except Exception as error:  # TESTING propagates what would be a 500
                        failures.append(f"{method} {url} ({label}, {persona}): {error!r:.200}")
                        continue
                    finally:
                        savepoint.rollback()
                    if response.status_code >= 500:
                        failures.append(f"{method} {url} ({label}, {persona}): 500")
    for method, url, data in refused_sample.values():
        assert request_as(app, world, "admin", method, url, data).status_code == 404, url
    assert set(refused_sample) == set(HOSTILE_IDS)
    assert not failures, "\n".join(failures)


HOSTILE_ARGS = {
    "big page": {"page": str(2**63), "per_page": str(2**63), "sida": str(2**31)},
    "non-ASCII digits": {"page": "²", "per_page": "²", "kommun": "¹³⁸¹", "kategori": "١"},
    "CR/LF in next": {"next": "/fragor\r\nSet-Cookie: kaka=1", "q": "a\r\nb"},
    "next elsewhere": {"next": "/\t/example.com"},
    # Names url_for takes for itself: they must never come from the request.
    "url_for names": {
        "_external": "1",
        "_scheme": "javascript",
        "_anchor": "x\r\ny",
        "_method": "POST",
        "endpoint": "admin.index",
        "values": "1",
        "question_id": str(2**63),
        "slug": "x",
    },
}


@pytest.mark.parametrize("kind", list(HOSTILE_ARGS))
def test_hostile_arguments_on_every_page(app, world: World, kind):
    failures = []
    for endpoint in form_pages():
        if "GET" not in MATRIX[endpoint].methods:
            continue
        persona = page_persona(endpoint)
        url = world.format(MATRIX[endpoint].url)
        url += ("&" if "?" in url else "?") + urlencode(HOSTILE_ARGS[kind])
        try:
            response = request_as(app, world, persona, "GET", url)
        except Exception as error:  # TESTING propagates what would be a 500
            failures.append(f"{url}: {type(error).__name__}: {error}")
            continue
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
        location = response.headers.get("Location", "")
        if location.startswith(("http:", "https:", "//", "javascript:")) or "\n" in location:
            failures.append(f"{url}: Location {location!r}")
    assert not failures, "\n".join(failures)


def test_the_slug_redirect_keeps_the_query_out_of_url_for(app, world: World):
    url = world.format("/fragor/{question_id}?question_id=2&_external=1&_scheme=https")
    response = request_as(app, world, "member", "GET", url)
    assert response.status_code == 301
    location = response.headers["Location"]
    assert location.startswith(world.format("/fragor/{question_id}/"))
    assert "question_id=2" in location and "_external=1" in location  # kept, as plain text


@pytest.mark.parametrize("value", ["/\r\n/example.com", "/fragor\nSet-Cookie: a=1", "/\x00"])
def test_next_with_control_characters_goes_to_the_start_page(app, world: World, value):
    response = request_as(app, world, "member", "POST", "/sprak", {"locale": "sv", "next": value})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("value", ["/\r\n/example.com", "/fragor\nSet-Cookie: a=1", "/\x00"])
def test_next_with_control_characters_is_not_a_local_path(value):
    from hub.core.guards import local_path

    assert local_path(value) is None


def test_nul_in_a_query_string_never_reaches_sql(app, world: World):
    """On PostgreSQL a NUL in a query argument that reached SQL was a 500."""
    for url in ("/katalog?q=a%00b&kommun=13%0081", "/sok?q=%00m%C3%B6te", "/fragor?tagg=%00"):
        response = request_as(app, world, "member", "GET", url)
        assert response.status_code in (200, 400) and "\x00" not in response.text, url


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Träff\r\nX-Header: 1"), ("place", "Stadshuset\nSal 2"), ("title", "Tab\there")],
)
def test_control_characters_in_a_meeting_title_are_refused(app, world: World, field, value):
    from tests.conftest import csrf_token

    client = app.test_client()
    sign_in(app, client, user_id(world, "holder"))
    page = client.get(world.format("/traffar/{meeting_id}/andra"))
    data = {
        "csrf_token": csrf_token(page.text),
        "title": "Nätverksträff",
        "day": "2031-03-15",
        "start_time": "13:00",
        "end_time": "15:00",
        "place": "Stadshuset",
        field: value,
    }
    response = client.post(world.format("/traffar/{meeting_id}/andra"), data=data)
    assert response.status_code == 400
    assert "på en rad" in response.text
    assert value.split("\n")[0].split("\t")[0] in response.text  # what was written is kept
