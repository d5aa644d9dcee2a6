"""A member's private feed URL: feed readers read the list without signing in; the URL is
single-purpose, renewable and can be turned off; the files stay for signed-in members."""

from __future__ import annotations

import re

from hub.extensions import db
from hub.material import feeds
from hub.material.models import MaterialFeedToken, MaterialFile
from tests.conftest import csrf_token
from tests.material.files import make_pdf

SETTINGS = "/installningar/materialflode"


def feed_path(page: str) -> str:
    url = re.search(r'id="feed-url" value="([^"]+)"', page).group(1)
    return url[url.index("/material/flode/") :]


def test_a_feed_reader_reads_the_list_with_the_members_url(app, client, login, create_user, share):
    member = create_user()
    login(member)
    assert "Du har ingen flödeslänk." in client.get(SETTINGS).text
    share("guide", file=("Samtalsguide.pdf", make_pdf()), title="Samtalsguiden")
    share("link", url="https://digga.example.se/konferens", title="Slutkonferensen")
    token = csrf_token(client.get(SETTINGS).text)
    made = client.post(SETTINGS, data={"csrf_token": token, "action": "ny"})
    assert made.status_code == 200 and "Vi visar den bara den här gången" in made.text
    path = feed_path(made.text)
    # Only a hash is kept: the database (or a copy of it) opens no feed.
    stored = db.session.get(MaterialFeedToken, member.id).token_hash
    assert path.split("/")[-1].removesuffix(".atom") not in stored

    reader = app.test_client()  # a feed reader: no session cookie
    feed = reader.get(path)
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    assert "<title>Samtalsguiden</title>" in feed.text and "Slutkonferensen" in feed.text
    assert feed.headers["Cache-Control"] == "private, max-age=300"
    assert feed.headers["X-Robots-Tag"] == "noindex"
    assert re.search(f'rel="self" href="https?://[^/"]+{re.escape(path)}"', feed.text)
    filtered = reader.get(path + "?typ=link&_external=0&endpoint=x")
    assert "Slutkonferensen" in filtered.text and "Samtalsguiden" not in filtered.text
    # The self link carries only the checked filters, never url_for's own names.
    assert re.search(f'rel="self" href="[^"]+{re.escape(path)}\\?typ=link"', filtered.text)

    # The URL opens the list, never the files, nor a signed-in page.
    row = db.session.query(MaterialFile).one()
    file_url = f"/material/{row.item_id}/filer/{row.id}/{row.filename}"
    assert "/logga-in" in reader.get(file_url).headers["Location"]
    assert "/logga-in" in reader.get("/material").headers["Location"]
    assert "/filer/" not in feed.text


def test_a_new_url_ends_the_old_and_turning_off_ends_both(app, client, login, create_user):
    member = create_user()
    login(member)
    post = lambda action: client.post(  # noqa: E731
        SETTINGS, data={"csrf_token": csrf_token(client.get(SETTINGS).text), "action": action}
    )
    first = feed_path(post("ny").text)
    assert "Du har en flödeslänk." in client.get(SETTINGS).text
    second = feed_path(post("ny").text)
    reader = app.test_client()
    assert reader.get(first).status_code == 404
    assert reader.get(second).status_code == 200

    off = post("av")
    assert off.status_code == 303
    assert "Den gamla länken fungerar inte längre" in client.get(SETTINGS).text
    assert reader.get(second).status_code == 404
    assert db.session.get(MaterialFeedToken, member.id) is None


def test_a_feed_url_dies_with_the_account_and_refuses_nonsense(app, client, create_user):
    member = create_user()
    token = feeds.renew_feed_token(member)
    db.session.commit()
    reader = app.test_client()
    assert reader.get(f"/material/flode/{token}.atom").status_code == 200
    member.active = False
    db.session.commit()
    assert reader.get(f"/material/flode/{token}.atom").status_code == 404
    assert reader.get("/material/flode/" + "A" * 65 + ".atom").status_code == 404
    assert feeds.user_for_feed_token("") is None


def test_the_settings_form_needs_its_csrf_token(client, login, create_user):
    login(create_user())
    assert client.post(SETTINGS, data={"action": "ny"}).status_code == 400
