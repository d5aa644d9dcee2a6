"""Editing one's profile: saving, tags, Markdown, photo, and bad input that keeps the text."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from hub.core.models import Tag
from hub.directory.models import Profile, ProfilePhoto
from hub.extensions import db
from tests.conftest import csrf_token

URL = "/installningar/profil"


def image_bytes(fmt: str = "PNG", size=(600, 400), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "Hemlig kamera"  # Make
        data[0x0131] = "Hemlig programvara"  # Software
        image.save(out, fmt, exif=data)
    else:
        image.save(out, fmt)
    return out.getvalue()


@pytest.fixture
def me(create_user, login):
    user = create_user(name="Maja Mall", municipality_code="1381")
    login(user)
    return user


def form_data(client, **overrides):
    data = {
        "csrf_token": csrf_token(client.get(URL).text),
        "name": "Maja Mall",
        "title": "Digitaliseringsombud",
        "role_type": "digitaliseringsombud",
        "municipality": "1381",
        "unit": "",
        "care_areas": ["aldreomsorg", "socialpsykiatri"],
        "workplace": "Solgläntans äldreboende",
        "presentation": "Jag kan **surfplattor** och <script>alert(1)</script>.",
        "expertise": "Surfplattor, digitala lås, surfplattor, ",
        "work_phone": "0430-123 45",
        "email_visibility": "coordinators",
        "phone_visibility": "nobody",
    }
    data.update(overrides)
    return data


def post_multipart(client, data: dict):
    """Encoded in memory: Werkzeug's test client would spool a large body to a temporary file
    that it never closes, which pytest reports as an error."""
    fields = {}
    for key, value in data.items():
        if isinstance(value, tuple):
            stream, filename = value
            fields[key] = FileStorage(stream, filename=filename, content_type="image/png")
        else:
            fields[key] = value
    boundary, body = encode_multipart(MultiDict(_flatten(fields)))
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _flatten(fields: dict) -> list[tuple[str, object]]:
    pairs = []
    for key, value in fields.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((key, item) for item in values)
    return pairs


def load_profile(user_id: int) -> Profile:
    from sqlalchemy.orm import selectinload

    return db.session.scalar(
        select(Profile)
        .where(Profile.user_id == user_id)
        .options(selectinload(Profile.care_areas), selectinload(Profile.expertise))
    )


def test_settings_lists_the_profile_section(client, me):
    assert 'href="/installningar/profil"' in client.get("/installningar").text


def test_saving_the_profile(client, me):
    response = client.post(URL, data=form_data(client))
    assert response.status_code == 302
    profile = load_profile(me.id)
    assert profile.workplace == "Solgläntans äldreboende"
    assert "<strong>surfplattor</strong>" in profile.presentation_html
    assert "<script>" not in profile.presentation_html
    assert [a.slug for a in profile.care_areas] == ["aldreomsorg", "socialpsykiatri"]
    assert sorted(t.slug for t in profile.expertise) == ["digitala-las", "surfplattor"]
    assert profile.email_visibility == "coordinators" and profile.phone_visibility == "nobody"
    assert me.title == "Digitaliseringsombud" and me.role_type_slug == "digitaliseringsombud"
    page = client.get(URL).text
    assert 'value="Surfplattor, digitala lås"' in page or "digitala lås, Surfplattor" in page


def test_existing_tags_are_reused(client, me):
    db.session.add(Tag(slug="surfplattor", name="Surfplattor"))
    db.session.commit()
    client.post(URL, data=form_data(client, expertise="SURFPLATTOR, Teams"))
    slugs = db.session.scalars(select(Tag.slug).order_by(Tag.slug)).all()
    assert slugs == ["surfplattor", "teams"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"presentation": "x" * 2001}, "Presentationen får vara högst 2000 tecken"),
        ({"name": "   "}, "Skriv ditt namn."),
        ({"work_phone": "ring mig"}, "Skriv ett telefonnummer med siffror"),
        ({"expertise": ", ".join(f"ämne {n}" for n in range(13))}, "Välj högst 12 ämnen."),
        ({"expertise": "a" * 41}, "högst 40 tecken"),
        ({"unit": "1"}, "Den delen hör inte till kommunen du valt."),
    ],
)
def test_bad_input_is_refused_and_the_typed_text_kept(client, me, overrides, message):
    client.post(URL, data=form_data(client))
    data = form_data(client, workplace="Daglig verksamhet Kastanjen", **overrides)
    response = client.post(URL, data=data)
    assert response.status_code == 400
    assert message in response.text
    assert "Daglig verksamhet Kastanjen" in response.text
    assert load_profile(me.id).workplace == "Solgläntans äldreboende"  # nothing saved


def test_photo_is_reencoded_square_without_metadata(client, me):
    data = form_data(client)
    data["photo"] = (io.BytesIO(image_bytes("JPEG", exif=True)), "semester.jpg")
    response = post_multipart(client, data)
    assert response.status_code == 302
    profile = load_profile(me.id)
    assert profile.has_photo
    stored = db.session.get(ProfilePhoto, me.id).data
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (256, 256)
    assert not image.getexif()
    assert b"Hemlig" not in stored
    served = client.get(f"/katalog/{me.id}/foto?v={profile.photo_version}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == stored
    assert "immutable" in served.headers["Cache-Control"]
    unversioned = client.get(f"/katalog/{me.id}/foto").headers["Cache-Control"]
    assert "no-cache" in unversioned or "no-store" in unversioned
    assert f"/katalog/{me.id}/foto?v=" in client.get("/katalog").text


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"%PDF-1.4 not an image", "Filen är ingen bild"),
        (image_bytes("GIF"), "Filen är ingen bild"),
        (image_bytes("PNG")[:200], "Filen är ingen bild"),
        (b"\xff\xd8" + b"0" * (2 * 1024 * 1024 + 10), "högst 2 MB"),
    ],
)
def test_bad_photo_is_refused_and_the_rest_kept(client, me, payload, message):
    data = form_data(client, workplace="Boendestöd Väster")
    data["photo"] = (io.BytesIO(payload), "bild.png")
    response = post_multipart(client, data)
    assert response.status_code == 400
    assert message in response.text
    assert "Boendestöd Väster" in response.text
    assert load_profile(me.id) is None


def test_photo_can_be_removed_and_then_gives_initials(client, me):
    data = form_data(client)
    data["photo"] = (io.BytesIO(image_bytes("WEBP")), "bild.webp")
    post_multipart(client, data)
    version = load_profile(me.id).photo_version
    assert version > 0
    client.post(URL, data=form_data(client, remove_photo="y"))
    assert not load_profile(me.id).has_photo
    assert db.session.get(ProfilePhoto, me.id) is None
    assert client.get(f"/katalog/{me.id}/foto?v={version}").status_code == 404
    assert '<span class="avatar avatar-large avatar-initials" aria-hidden="true">MM</span>' in (
        client.get(f"/katalog/{me.id}").text
    )


def test_photo_of_a_hidden_person_is_not_served_to_others(client, me, create_user, login):
    data = form_data(client, hidden_from_directory="y")
    data["photo"] = (io.BytesIO(image_bytes()), "bild.png")
    post_multipart(client, data)
    assert client.get(f"/katalog/{me.id}/foto").status_code == 200
    login(create_user())
    assert client.get(f"/katalog/{me.id}/foto").status_code == 404


def test_hiding_removes_one_from_the_list(client, me):
    client.post(URL, data=form_data(client, hidden_from_directory="y"))
    assert "Maja Mall" not in client.get("/katalog?q=maja").text
    assert client.get(f"/katalog/{me.id}").status_code == 200


def test_nul_never_reaches_the_database(client, me):
    # NUL is dropped from every posted form before any view (hub/core/security.py).
    data = form_data(client, workplace="Sol\x00gläntan", presentation="Hej\x00 på dig\n")
    assert client.post(URL, data=data).status_code == 302
    profile = load_profile(me.id)
    assert profile.workplace == "Solgläntan"
    assert profile.presentation_source == "Hej på dig\n"
    assert client.get("/katalog?q=%00&tagg=%00&kommun=%00").status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Maja\nMall", "på en rad"),
        ("title", "Ombud\tett", "på en rad"),
        ("workplace", "Sol\x07gläntan", "osynligt tecken"),
        ("expertise", "Surfplattor\x1b[31m", "osynligt tecken"),
        ("work_phone", "0430-123\r\n45", "på en rad"),
        ("presentation", "Hej\x0b på dig", "osynligt tecken"),
        ("presentation", "Hej\u2028på dig", "osynligt tecken"),
    ],
)
def test_control_characters_are_refused_at_the_field_with_the_text_kept(
    client, me, field, value, message
):
    response = client.post(URL, data=form_data(client, **{field: value}))
    assert response.status_code == 400
    page = response.text
    error = page[page.index(f'id="{field}-error"') :][:400]
    assert message in error
    assert value.replace("&", "&amp;") in page  # the member's text is still in the form
    stored = load_profile(me.id)
    kept = (stored.workplace, stored.presentation_source, stored.work_phone) if stored else ()
    assert value not in kept


def test_line_breaks_and_tabs_are_welcome_in_the_presentation(client, me):
    text = "Första stycket.\r\n\r\n\tAndra stycket."
    assert client.post(URL, data=form_data(client, presentation=text)).status_code == 302
    assert "Andra stycket." in load_profile(me.id).presentation_source
