"""Real files made by the tests: a PDF, an MP4 (Debian's ffmpeg), WebVTT, a JPEG, a DOCX."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from hub.material.demo import one_page_pdf

VTT = (
    "WEBVTT\n\n"
    "1\n00:00:00.000 --> 00:00:01.500\nVem får titta i kameran?\n\n"
    "2\n00:00:01.500 --> 00:00:03.000\nVi pratar om det i gruppen.\n"
)


def make_pdf(text: str = "Samtalsguide") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    return one_page_pdf(f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("cp1252"))


def make_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 90)).save(out, "JPEG")
    return out.getvalue()


def make_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def make_zip_bomb_docx() -> bytes:
    """A .docx whose one part unpacks to 400 MB of zeros (about 400 kB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(400):
                part.write(chunk)
    return out.getvalue()


def need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is missing: scripts/test installs it (Debian package)")
    return found


_mp4_cache: dict[str, bytes] = {}


def make_mp4(tmp_dir: Path) -> bytes:
    """Two seconds of test picture and tone, made by Debian's ffmpeg (once per run)."""
    if "mp4" not in _mp4_cache:
        target = tmp_dir / "film.mp4"
        subprocess.run(  # noqa: S603  (fixed arguments, Debian's ffmpeg)
            [need("ffmpeg"), "-v", "error", "-y", "-f", "lavfi", "-i",
             "testsrc=duration=2:size=160x120:rate=10", "-f", "lavfi", "-i",
             "sine=frequency=440:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(target)],
            check=True, timeout=120,
        )  # fmt: skip
        _mp4_cache["mp4"] = target.read_bytes()
    return _mp4_cache["mp4"]
