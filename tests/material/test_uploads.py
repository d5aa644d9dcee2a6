"""Files: streamed to disk, typed by content, checked whole, served with ranges to members only."""

from __future__ import annotations

import re

import pytest

from hub.auth.models import Role
from hub.extensions import db
from hub.material.models import MaterialFile, MaterialItem
from tests.conftest import csrf_token
from tests.material.conftest import stored_files
from tests.material.files import (
    VTT,
    make_docx,
    make_jpeg,
    make_mp4,
    make_pdf,
    make_zip_bomb_docx,
)


def new_item(response) -> MaterialItem:
    assert response.status_code == 303, response.text
    item_id = int(re.search(r"/material/(\d+)$", response.headers["Location"]).group(1))
    return db.session.get(MaterialItem, item_id)


def files_of(item: MaterialItem) -> dict[str, MaterialFile]:
    rows = db.session.query(MaterialFile).filter_by(item_id=item.id).all()
    return {row.role: row for row in rows}


def file_url(item: MaterialItem, row: MaterialFile) -> str:
    return f"/material/{item.id}/filer/{row.id}/{row.filename}"


def test_a_guide_pdf_is_served_to_members_with_ranges(
    app, client, login, create_user, share, material_dir
):
    login(create_user())
    pdf = make_pdf()
    item = new_item(share("guide", file=("Samtalsguide.pdf", pdf)))
    row = files_of(item)["main"]
    assert (row.content_type, row.size) == ("application/pdf", len(pdf))
    assert row.preview_state == "pending"
    assert (material_dir / row.storage_key).read_bytes() == pdf
    assert not list((material_dir / ".staging").iterdir())

    whole = client.get(file_url(item, row))
    assert whole.status_code == 200 and whole.data == pdf
    assert whole.headers["Content-Disposition"].startswith("inline")
    assert "Samtalsguide.pdf" in whole.headers["Content-Disposition"]
    part = client.get(file_url(item, row), headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.data == pdf[:8]
    assert part.headers["Content-Range"] == f"bytes 0-7/{len(pdf)}"
    assert "Samtalsguide.pdf" in client.get(f"/material/{item.id}").text

    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/material").text)})
    anonymous = client.get(file_url(item, row))
    assert anonymous.status_code == 302 and "/logga-in" in anonymous.headers["Location"]
    assert client.get(f"/material/{item.id}/filer/{row.id + 99}/x.pdf").status_code == 302


def test_a_file_larger_than_the_sites_request_limit_is_taken(
    app, client, login, create_user, share, material_dir
):
    assert app.config["MAX_CONTENT_LENGTH"] < 5 * 1024 * 1024  # every other route says no
    login(create_user())
    big = make_pdf() + b"%" * (5 * 1024 * 1024) + b"\nstartxref\n0\n%%EOF\n"
    item = new_item(share("guide", file=("stor.pdf", big)))
    assert files_of(item)["main"].size == len(big)


def test_docx_and_jpeg_are_taken_office_files_as_attachments(client, login, create_user, share):
    login(create_user())
    item = new_item(share("document", file=("Rutin.docx", make_docx())))
    row = files_of(item)["main"]
    assert row.content_type.endswith("wordprocessingml.document") and row.preview_state == "none"
    response = client.get(file_url(item, row))
    assert response.headers["Content-Disposition"].startswith("attachment")
    image = new_item(share("document", file=("affisch.jpeg", make_jpeg())))
    assert files_of(image)["main"].filename == "affisch.jpg"


def test_a_film_is_shown_to_everyone_only_with_captions(
    app, client, login, create_user, share, tmp_path
):
    author = create_user()
    login(author)
    film = new_item(share("film", file=("etik.mp4", make_mp4(tmp_path))))
    assert not film.captions_ok
    page = client.get(f"/material/{film.id}").text
    assert "tills den har textning" in page and "<video" in page

    other_client = app.test_client()
    from tests.factories import PASSWORD

    def sign_in(user):
        token = csrf_token(other_client.get("/logga-in").text)
        other_client.post(
            "/logga-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )

    sign_in(create_user())
    assert other_client.get(f"/material/{film.id}").status_code == 404
    assert "etik" not in other_client.get("/material").text.lower()

    bad = client.post(
        f"/material/{film.id}/textning",
        data={"csrf_token": csrf_token(page), "captions": (_io(b"WEBVTT\n\n00:01 --> x"), "t.vtt")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "ingen giltig WebVTT-fil" in bad.text
    good = client.post(
        f"/material/{film.id}/textning",
        data={"csrf_token": csrf_token(page), "captions": (_io(VTT.encode()), "textning.vtt")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 303
    page = other_client.get(f"/material/{film.id}")
    assert page.status_code == 200
    assert '<track kind="captions"' in page.text and 'srclang="sv"' in page.text
    rows = files_of(film)
    assert rows["captions"].content_type == "text/vtt"
    video = other_client.get(file_url(film, rows["main"]), headers={"Range": "bytes=100-199"})
    assert video.status_code == 206 and len(video.data) == 100


def test_an_external_film_is_a_link_never_an_embed(client, login, create_user, share):
    login(create_user())
    item = new_item(share("film", url="https://www.youtube.com/watch?v=abc"))
    page = client.get(f"/material/{item.id}").text
    assert "Se filmen på www.youtube.com" in page
    assert "<iframe" not in page and "<video" not in page


def _io(data: bytes):
    import io

    return io.BytesIO(data)


HTML = b"<!doctype html><html><script>alert(1)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'
NOT_TAKEN = "går inte att ladda upp"
BAD_FILES = [
    ("guide", ("guide.pdf", HTML), NOT_TAKEN),
    ("guide", ("guide.pdf", SVG), NOT_TAKEN),
    ("film", ("film.mp4", b"\x7fELF\x02\x01\x01" + b"\0" * 200), NOT_TAKEN),
    ("film", ("film.mp4", b"MZ\x90\x00" + b"\0" * 200), NOT_TAKEN),
    ("guide", ("guide.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"), "PDF-filen är trasig"),
    ("document", ("bilaga.docx", make_pdf()), "heter bilaga.docx men är inte en Word-fil"),
    ("film", ("film.mp4", b"\0\0\0\x18ftypisom\0\0\0\0isomavc1" + b"\0" * 100), "Filmen är trasig"),
    ("film", ("film.pdf", make_pdf()), "En film ska vara en MP4-fil"),
    ("guide", ("tom.pdf", b""), "Filen är tom"),
    ("document", ("trasig.docx", b"PK\x03\x04" + b"\0" * 100), "Dokumentet är trasigt"),
    ("document", ("bild.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100), "Bilden går inte att läsa"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "upload", "message"), BAD_FILES)
def test_bad_files_are_refused_with_nothing_kept(
    client, login, create_user, share, material_dir, kind, upload, message
):
    login(create_user())
    response = share(kind, file=upload, title="Min titel som ska finnas kvar")
    assert response.status_code == 400, response.text
    assert message in response.text
    assert 'value="Min titel som ska finnas kvar"' in response.text
    assert stored_files(material_dir) == []
    assert db.session.query(MaterialItem).count() == 0


def test_captions_that_are_not_webvtt_are_refused(
    client, login, create_user, share, material_dir, tmp_path
):
    login(create_user())
    for captions, message in [
        (("text.vtt", b"1\n00:00:01,000 --> 00:00:02,000\nHej\n"), "går inte att ladda upp"),
        (("text.vtt", b"WEBVTT\n\n00:00:03.000 --> 00:00:01.000\nBakvanda\n"), "ingen giltig"),
        (("text.vtt", b"WEBVTT\n\nBara text utan tider\n"), "inga repliker"),
        (("text.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\xff\xfe\n"), "UTF-8"),
        (("text.srt", make_pdf()), "ska vara en WebVTT-fil"),
    ]:
        response = share("film", file=("film.mp4", make_mp4(tmp_path)), captions=captions)
        assert response.status_code == 400 and message in response.text, response.text
    assert stored_files(material_dir) == []


def test_a_zip_bomb_named_docx_is_refused_without_unpacking(
    client, login, create_user, share, material_dir
):
    login(create_user())
    response = share("document", file=("rapport.docx", make_zip_bomb_docx()))
    assert response.status_code == 400
    assert "packas upp till alldeles för mycket" in response.text
    assert stored_files(material_dir) == []


def test_a_file_over_the_limit_is_stopped_while_streaming(
    app, client, login, create_user, share, material_dir, monkeypatch
):
    app.config["MATERIAL_MAX_DOCUMENT_MB"] = 1
    written = []
    from hub.material import storage

    original = storage.Staged.write

    def spy(self, chunk):
        written.append(len(chunk))
        return original(self, chunk)

    monkeypatch.setattr(storage.Staged, "write", spy)
    login(create_user())
    big = make_pdf()[:-6] + b"\n" + b"%" * (3 * 1024 * 1024) + b"\n%%EOF\n"
    response = share("guide", file=("stor.pdf", big), title="Stor fil")
    assert response.status_code == 413
    assert "högst 1 MB" in response.text and 'value="Stor fil"' in response.text
    assert sum(written) <= 1024 * 1024 + 64 * 1024  # stopped at the limit, not at the end
    assert stored_files(material_dir) == []


def test_a_path_in_the_name_is_dropped_and_same_names_are_both_kept(
    client, login, create_user, share, material_dir
):
    login(create_user())
    first = new_item(share("guide", file=("../../etc/passwd.pdf", make_pdf("Ett"))))
    second = new_item(share("guide", file=("..\\..\\passwd.pdf", make_pdf("Två"))))
    one, two = files_of(first)["main"], files_of(second)["main"]
    assert one.filename == two.filename == "passwd.pdf"
    assert one.storage_key != two.storage_key
    assert all(material_dir in p.parents for p in stored_files(material_dir))
    assert client.get(file_url(first, one)).data == make_pdf("Ett")
    assert client.get(file_url(second, two)).data == make_pdf("Två")


def test_a_full_disk_gives_a_message_and_keeps_nothing(
    app, client, login, create_user, share, material_dir
):
    from hub.material.storage import LocalDiskStorage

    class FullDisk(LocalDiskStorage):
        def _open(self, path):
            path.touch()  # the staging file exists; its bytes go to a device that is always full
            return open("/dev/full", "wb", buffering=0)

    app.extensions["material_storage"] = FullDisk(material_dir)
    login(create_user())
    response = share("guide", file=("guide.pdf", make_pdf()), title="Kvar")
    assert response.status_code == 400
    assert "inte plats för filen" in response.text and 'value="Kvar"' in response.text
    assert stored_files(material_dir) == []
    assert db.session.query(MaterialItem).count() == 0


def test_staff_see_a_film_waiting_for_captions(app, client, login, create_user, share, tmp_path):
    login(create_user())
    film = new_item(share("film", file=("etik.mp4", make_mp4(tmp_path))))
    coordinator = app.test_client()
    from tests.factories import PASSWORD

    user = create_user(role=Role.COORDINATOR)
    token = csrf_token(coordinator.get("/logga-in").text)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    coordinator.post("/logga-in", data=data)
    assert coordinator.get(f"/material/{film.id}").status_code == 200
    assert "Väntar på textning" in coordinator.get("/material").text


def test_a_removed_items_files_leave_the_disk_after_the_grace_period(
    app, client, login, create_user, share, material_dir, tmp_path
):
    from datetime import timedelta

    from hub.core.db import utcnow
    from hub.retention import run_prune

    login(create_user())
    kept = new_item(share("guide", file=("kvar.pdf", make_pdf("Kvar"))))
    film = new_item(
        share("film", file=("etik.mp4", make_mp4(tmp_path)), captions=("s.vtt", VTT.encode()))
    )
    film_files = files_of(film)
    assert set(film_files) == {"main", "captions"}
    token = csrf_token(client.get("/material").text)
    assert (
        client.post(f"/material/{film.id}/ta-bort", data={"csrf_token": token}).status_code == 303
    )
    assert client.get(file_url(film, film_files["main"])).status_code == 404  # served to nobody

    grace = timedelta(days=app.config["MATERIAL_REMOVED_FILES_DAYS"])
    assert run_prune(utcnow() + grace - timedelta(hours=1))["material_files"] == 0
    assert all((material_dir / row.storage_key).exists() for row in film_files.values())

    assert run_prune(utcnow() + grace + timedelta(minutes=1))["material_files"] == 2
    assert not any((material_dir / row.storage_key).exists() for row in film_files.values())
    assert files_of(film) == {} and db.session.get(MaterialItem, film.id).deleted_at
    assert stored_files(material_dir) == [material_dir / files_of(kept)["main"].storage_key]
    assert run_prune(utcnow() + grace * 2)["material_files"] == 0  # idempotent
