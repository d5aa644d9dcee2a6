"""Demo material: an ethics film with captions (made with ffmpeg when it is installed), its
discussion guide as a PDF, a how-to page and a link to a conference recording."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from hub.material import community, items
from hub.material.files import CheckedFile, Incoming, file_types
from hub.material.items import ItemData
from hub.material.models import Kind, MaterialItem, SourceKind
from hub.material.storage import storage

FILM_TITLE = "Kameran på natten – etik när omsorgen blir digital, film 1"
FILM_SUMMARY = (
    "Den första av fem korta filmer om etiska situationer när omsorgen blir digital. "
    "Varje film är tänkt att starta ett samtal i arbetsgruppen."
)
CAPTIONS = """WEBVTT

1
00:00:00.500 --> 00:00:03.500
Klockan är tre på natten. Larmet från rum 12 går.

2
00:00:03.500 --> 00:00:06.500
Ska jag titta i kameran först, eller gå dit direkt?

3
00:00:06.500 --> 00:00:09.500
Vad har Elsa själv sagt om kameran? Vem har frågat henne?
"""
GUIDE_LINES = [
    "Samtalsguide: Kameran på natten",
    "Digga Halland - etik när omsorgen blir digital",
    "",
    "Så använder ni guiden",
    "Titta på filmen tillsammans (tio minuter). Prata sedan i små grupper.",
    "",
    "Frågor att prata om",
    "1. Vad hände i filmen? Vad tänkte personalen?",
    "2. Vem bestämmer om kameran används, och när?",
    "3. Hur vet vi vad Elsa själv vill? Hur har vi frågat henne?",
    "4. Vad gör vi på vår arbetsplats i dag? Vad vill vi ändra?",
    "",
    "Avsluta med att skriva ned en sak ni tar med er.",
]
HOWTO = """Så här kopplar du läsplattan till boendets wifi, steg för steg.

1. Öppna **Inställningar** och tryck på **Wi-Fi**.
2. Välj boendets gästnät (det står på lappen i personalrummet).
3. Skriv lösenordet och tryck på **Anslut**.

Fungerar det inte? Starta om läsplattan och försök igen. Fråga gärna i
[forumet](/fragor) om något krånglar.
"""


def seed(rng: random.Random, scale: str) -> Iterator[str]:
    if db.session.scalar(select(MaterialItem.id).limit(1)) is not None:
        return
    author = db.session.scalar(select(User).where(User.email == "samordnare@demo.stafetten.se"))
    if author is None:
        return
    yield from seed_film(author)
    items.create_item(
        author,
        Kind.GUIDE,
        data(
            "Samtalsguide till filmen Kameran på natten",
            "Frågor att prata om efter filmen, för en arbetsplatsträff på 45 minuter.",
        ),
        main=stage(make_guide_pdf(), "pdf", "Samtalsguide kameran på natten.pdf"),
    )
    howto = data(
        "Så kopplar du läsplattan till wifi",
        "En lathund för kollegor som hjälper de boende med videosamtal.",
        source_kind=SourceKind.MEMBER,
        source_name="",
        body=HOWTO,
        tag_names=["surfplatta"],
    )
    items.create_item(author, Kind.HOWTO, howto)
    conference = data(
        "Digga Hallands slutkonferens, inspelningen",
        "Inspelningen från projektets slutkonferens, med kapitel.",
        url="https://www.youtube.com/results?search_query=digga+halland",
    )
    items.create_item(author, Kind.LINK, conference)
    db.session.commit()
    from hub.material.previews import run_previews

    yield f"Material: 3 poster till, {run_previews()} förhandsbilder."


def data(title: str, summary: str, **changes) -> ItemData:
    values = {
        "title": title,
        "summary": summary,
        "care_areas": ["aldreomsorg", "funktionshinder"],
        "tag_names": ["etik"],
        "source_kind": SourceKind.PROJECT,
        "source_name": "Digga Halland",
        "licence": "cc-by",
        "language": "sv",
    }
    return ItemData(**{**values, **changes})


def stage(content: bytes, key: str, filename: str) -> CheckedFile:
    staged = storage().stage(len(content) + 1)
    incoming = Incoming(staged.path, staged.handle, staged.limit)
    incoming.write(content)
    incoming.finish()
    return CheckedFile(incoming, file_types()[key], filename)


def seed_film(author: User) -> Iterator[str]:
    film = make_film()
    if film is None:
        yield "Material: ffmpeg saknas, demofilmen hoppas över."
        return
    item = items.create_item(
        author,
        Kind.FILM,
        data(FILM_TITLE, FILM_SUMMARY),
        main=stage(film, "mp4", "kameran-pa-natten.mp4"),
        captions=stage(CAPTIONS.encode(), "vtt", "kameran-pa-natten.vtt"),
    )
    for meeting in community.meetings_user_can_plan(author)[:1]:
        community.add_to_agenda(item, meeting)
    yield "Material: en film med textning."


def make_film() -> bytes | None:
    """Ten seconds of calm colour and a quiet tone: a stand-in for the project's film."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / "film.mp4"
        try:
            subprocess.run(  # noqa: S603  (fixed arguments)
                [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i",
                 "color=c=0x1d5c4d:s=640x360:d=10:r=15", "-f", "lavfi", "-i",
                 "sine=frequency=220:duration=10", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                 "-c:a", "aac", "-b:a", "48k", "-shortest", "-movflags", "+faststart", str(target)],
                check=True, timeout=120, capture_output=True,
            )  # fmt: skip
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            return None
        return target.read_bytes()


def make_guide_pdf() -> bytes:
    """A one-page PDF of the guide's text (Helvetica, WinAnsi: å, ä and ö print)."""
    lines = []
    for number, line in enumerate(GUIDE_LINES):
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        size = 20 if number == 0 else 12
        lines.append(f"BT /F1 {size} Tf 60 {760 - number * 24} Td ({safe}) Tj ET")
    return one_page_pdf("\n".join(lines).encode("cp1252"))


def one_page_pdf(stream: bytes) -> bytes:
    """An A4 page drawing ``stream`` in Helvetica (WinAnsi), with a correct xref table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()
