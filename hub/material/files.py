"""Uploaded files: streamed to disk while counted, their type decided by their content, checked
to be whole, and kept only when everything else was saved.

The per-type size limits hold while the bytes arrive: the first bytes tell the type, and a file
that passes its limit stops being written at once and is deleted (the rest of the request is
read and thrown away, so the form's text comes back to the person).
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from flask import Request, current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.formparser import FormDataParser

from hub.material.storage import MB, FileError, Staged, StorageFull, storage


@dataclass(frozen=True)
class FileType:
    name: str  # pdf, video, image, office, captions
    mimetype: str
    suffix: str
    label: str  # what the person calls it, in messages


def file_types() -> dict[str, FileType]:
    return {
        "pdf": FileType("pdf", "application/pdf", ".pdf", "PDF"),
        "mp4": FileType("video", "video/mp4", ".mp4", "MP4"),
        "jpeg": FileType("image", "image/jpeg", ".jpg", "JPEG"),
        "png": FileType("image", "image/png", ".png", "PNG"),
        "webp": FileType("image", "image/webp", ".webp", "WebP"),
        "docx": FileType(
            "office",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
            "Word",
        ),
        "xlsx": FileType(
            "office",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".xlsx",
            "Excel",
        ),
        "pptx": FileType(
            "office",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ".pptx",
            "PowerPoint",
        ),
        "odt": FileType("office", "application/vnd.oasis.opendocument.text", ".odt", "ODF"),
        "vtt": FileType("captions", "text/vtt", ".vtt", "WebVTT"),
    }


# The name's ending says what the person thinks the file is; the content must agree.
SUFFIXES = {
    ".pdf": "pdf",
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
    ".webp": "webp",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".pptx": "pptx",
    ".odt": "odt",
    ".vtt": "vtt",
}
OOXML_MAIN_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
              b"dash", b"MSNV", b"3gp4", b"3gp5"}  # fmt: skip


def limits() -> dict[str, int]:
    """Largest file per type in bytes (HUB_MATERIAL_MAX_*_MB)."""
    config = current_app.config
    return {
        "video": config["MATERIAL_MAX_VIDEO_MB"] * MB,
        "pdf": config["MATERIAL_MAX_DOCUMENT_MB"] * MB,
        "office": config["MATERIAL_MAX_DOCUMENT_MB"] * MB,
        "image": config["MATERIAL_MAX_IMAGE_MB"] * MB,
        "captions": config["MATERIAL_MAX_CAPTIONS_MB"] * MB,
    }


def largest_upload() -> int:
    return max(limits().values())


def sniff(head: bytes) -> str | None:
    """The type's key from the first bytes, or None for anything we do not take."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "mp4"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return "zip"  # an Office document, perhaps: the zip's parts decide which
    text = head.removeprefix(b"\xef\xbb\xbf")
    if text.startswith(b"WEBVTT") and (len(text) == 6 or text[6:7] in (b" ", b"\t", b"\n", b"\r")):
        return "vtt"
    return None


def clean_filename(raw: str | None) -> str:
    """The last part of the name only (no folders), without control characters, at most 150."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if len(name) > 150:
        stem, dot, suffix = name.rpartition(".")
        name = (
            (stem[: 140 - len(suffix)] + dot + suffix) if dot and len(suffix) < 10 else name[:150]
        )
    return name or "fil"


def not_accepted() -> str:
    return _(
        "Den här sortens fil går inte att ladda upp. Välj en PDF, ett Office-dokument "
        "(Word, Excel, PowerPoint), en bild (JPEG, PNG, WebP) eller en MP4-film."
    )


# --- receiving ----------------------------------------------------------------------------


class Incoming(Staged):
    """A staged upload that stops keeping bytes at the first problem and remembers it."""

    error: FileError | None = None
    type_key: str | None = None
    filename: str = ""

    def write(self, chunk: bytes) -> int:
        if self.error is not None:
            return len(chunk)  # read to the end, kept nowhere
        try:
            return super().write(chunk)
        except FileError as error:
            self.fail(error)
        except StorageFull:
            self.fail(FileError(disk_full_message()))
        return len(chunk)

    def fail(self, error: FileError) -> None:
        self.error = error
        self.discard()


def disk_full_message() -> str:
    return _("Det finns inte plats för filen just nu. Försök igen senare, eller säg till en admin.")


def _check_head(staged: Incoming) -> None:
    key = sniff(staged.head)
    staged.type_key = key
    if key is None:
        raise FileError(not_accepted())
    kind = "office" if key == "zip" else file_types()[key].name
    staged.limit = min(staged.limit, limits()[kind])


def _make_factory(created: list[Incoming]):
    def stream_factory(total_content_length, content_type, filename, content_length=None):
        staged = storage().stage(largest_upload())
        incoming = Incoming(staged.path, staged.handle, staged.limit)
        incoming.filename = clean_filename(filename)
        incoming.on_head = _check_head
        created.append(incoming)
        return incoming

    return stream_factory


def parse_upload_request(request: Request) -> None:
    """Parse a multipart request into ``request.form`` and ``request.files``, streaming each file
    into storage. Call before anything else reads the form (``hub/material/views.py`` does)."""
    created: list[Incoming] = []
    # These routes take the files plus the form's text; HUB_MAX_CONTENT_LENGTH holds elsewhere.
    request.max_content_length = largest_upload() + MB
    parser = FormDataParser(
        stream_factory=_make_factory(created),
        max_content_length=request.max_content_length,
        max_form_memory_size=request.max_form_memory_size,
        max_form_parts=request.max_form_parts,
        silent=True,
    )
    try:
        _stream, form, files = parser.parse(
            request._get_stream_for_parsing(),
            request.mimetype,
            request.content_length,
            request.mimetype_params,
        )
    except BaseException:
        for incoming in created:
            incoming.discard()
        raise
    request.form = form
    request.files = files
    request.environ["hub.material.staged"] = created


def discard_unkept(request: Request) -> None:
    """Staged files the view did not keep are removed at the end of the request."""
    for incoming in request.environ.get("hub.material.staged", []):
        if incoming.path.exists():
            incoming.discard()


def incoming_of(upload: FileStorage | None) -> Incoming | None:
    if upload is None or not isinstance(upload.stream, Incoming):
        return None
    return upload.stream


# --- checking what arrived ----------------------------------------------------------------


@dataclass
class CheckedFile:
    incoming: Incoming
    type: FileType
    filename: str


def check_upload(upload: FileStorage | None, *, allowed: set[str]) -> CheckedFile | None:
    """The file, checked to be whole and of an allowed type; None when none was chosen."""
    incoming = incoming_of(upload)
    if incoming is None or (incoming.size == 0 and not upload.filename):
        return None  # a browser sends an empty part for a file input left empty
    if incoming.error is not None:
        raise incoming.error
    if incoming.size == 0:
        incoming.discard()
        raise FileError(_("Filen är tom."))
    try:
        incoming.finish()
    except StorageFull as error:
        incoming.discard()
        raise FileError(disk_full_message()) from error
    try:
        checked = _check_content(incoming, allowed)
    except FileError:
        incoming.discard()
        raise
    return checked


def _check_content(incoming: Incoming, allowed: set[str]) -> CheckedFile:
    key = incoming.type_key
    if key is None:
        raise FileError(not_accepted())
    if key == "zip":
        key = office_type(incoming.path)
    file_type = file_types()[key]
    claimed = SUFFIXES.get(Path(incoming.filename).suffix.lower())
    if claimed is not None and file_types()[claimed].name != file_type.name:
        raise FileError(
            _(
                "Filen heter %(name)s men är inte en %(claimed)s-fil. Kontrollera att du valde "
                "rätt fil.",
                name=incoming.filename,
                claimed=file_types()[claimed].label,
            )
        )
    if file_type.name not in allowed:
        raise FileError(wrong_type_message(allowed))
    CHECKS[file_type.name](incoming.path)
    stem = Path(incoming.filename).stem or "fil"
    return CheckedFile(incoming, file_type, stem + file_type.suffix)


def wrong_type_message(allowed: set[str]) -> str:
    if allowed == {"captions"}:
        return _("Textningen ska vara en WebVTT-fil (.vtt).")
    if allowed == {"video"}:
        return _("En film ska vara en MP4-fil.")
    return not_accepted()


def check_pdf(path: Path) -> None:
    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - 2048, 0))
        tail = handle.read()
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise FileError(
            _("PDF-filen är trasig eller ofullständig. Spara den på nytt och försök igen.")
        )


def check_mp4(path: Path) -> None:
    """The file's top-level boxes add up to its size, begin with ftyp, and hold moov and mdat."""
    size = path.stat().st_size
    seen: list[bytes] = []
    with path.open("rb") as handle:
        offset = 0
        while offset < size and len(seen) < 10_000:
            handle.seek(offset)
            header = handle.read(16)
            if len(header) < 8:
                break
            box_size, box_type = struct.unpack(">I4s", header[:8])
            if box_size == 1 and len(header) == 16:
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:
                box_size = size - offset
            if box_size < 8:
                break
            seen.append(box_type)
            offset += box_size
    whole = offset == size and seen[:1] == [b"ftyp"]
    if not (whole and b"moov" in seen and b"mdat" in seen):
        raise FileError(
            _("Filmen är trasig eller ofullständig. Spara den som MP4 på nytt och försök igen.")
        )


def check_image(path: Path) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.verify()
    except (OSError, ValueError, SyntaxError, Warning, Image.DecompressionBombError) as error:
        raise FileError(
            _("Bilden går inte att läsa. Välj en JPEG-, PNG- eller WebP-bild.")
        ) from error


# A zip may not unpack to more than this, nor any part to more than 200 times its packed size:
# only the directory is read, nothing is unpacked, so a zip bomb costs nothing to refuse.
ZIP_MAX_TOTAL = 300 * MB
ZIP_MAX_RATIO = 200
ZIP_MAX_ENTRIES = 5000


def office_type(path: Path) -> str:
    broken = FileError(_("Dokumentet är trasigt eller inget Office-dokument. Spara det på nytt."))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            check_zip_directory(infos)
            names = {info.filename for info in infos}
            if "[Content_Types].xml" in names:
                for part, key in OOXML_MAIN_PARTS.items():
                    if part in names:
                        return key
            mimetype = archive.getinfo("mimetype") if "mimetype" in names else None
            if (
                mimetype is not None
                and mimetype.file_size < 100
                and archive.read(mimetype) == b"application/vnd.oasis.opendocument.text"
            ):
                return "odt"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError) as error:
        raise broken from error
    raise broken


def check_zip_directory(infos: list[zipfile.ZipInfo]) -> None:
    bomb = FileError(_("Dokumentet packas upp till alldeles för mycket och kan inte tas emot."))
    if len(infos) > ZIP_MAX_ENTRIES:
        raise bomb
    total = 0
    for info in infos:
        total += info.file_size
        ratio_too_high = info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1)
        if total > ZIP_MAX_TOTAL or (ratio_too_high and info.file_size > MB):
            raise bomb
    # Parts that share bytes (the overlapping kind of bomb) are refused too.
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for first, second in itertools.pairwise(ordered):
        if first.header_offset + first.compress_size > second.header_offset:
            raise bomb


def check_office(path: Path) -> None:
    office_type(path)  # already checked when the type was decided; cheap to repeat


TIMING = re.compile(
    r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})[ \t]+-->[ \t]+"
    r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})(?:[ \t]+.*)?$"
)


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def check_webvtt(path: Path) -> None:
    """WebVTT as the browser reads it: the signature, then cues with valid, ordered timings."""
    bad = FileError(
        _(
            "Textningen är ingen giltig WebVTT-fil. Den ska börja med WEBVTT och ha tider "
            "som 00:00:01.000 --> 00:00:04.000."
        )
    )
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise FileError(_("Textningen ska vara sparad som UTF-8.")) from error
    lines = io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")).read().split("\n")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise bad
    cues = 0
    for line in lines[1:]:
        if "-->" not in line:
            continue
        match = TIMING.match(line.strip())
        if match is None:
            raise bad
        groups = match.groups()
        if _seconds(*groups[4:]) < _seconds(*groups[:4]):
            raise bad
        cues += 1
    if cues == 0:
        raise FileError(_("Textningen har inga repliker med tider."))


CHECKS = {
    "pdf": check_pdf,
    "video": check_mp4,
    "image": check_image,
    "office": check_office,
    "captions": check_webvtt,
}
