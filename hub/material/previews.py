"""Previews made in the background, never in a request: a PDF's first page (Debian's
poppler-utils, ``pdftoppm``) and a film's poster frame (Debian's ``ffmpeg``).

Several workers at once are safe: a file is claimed by one conditional UPDATE before the work,
and a claim left by a worker that died is taken over after ``STALE_AFTER``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select, update

from hub.core.db import utcnow
from hub.extensions import db
from hub.material.models import FileRole, MaterialFile, PreviewState
from hub.material.storage import storage

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=15)
TOOL_TIMEOUT = 120  # seconds; a file that takes longer is marked failed
TOOLS = {"application/pdf": "pdftoppm", "video/mp4": "ffmpeg"}


def run_previews(now: datetime | None = None, limit: int = 20) -> int:
    """Make the previews that are due; returns how many were made."""
    now = now or utcnow()
    made = 0
    for file_id in _due(now, limit):
        if not _claim(file_id, now):
            continue
        made += _make_one(file_id)
    return made


def _due(now: datetime, limit: int) -> list[int]:
    ids = list(
        db.session.scalars(
            select(MaterialFile.id)
            .where(
                or_(
                    MaterialFile.preview_state == PreviewState.PENDING,
                    (MaterialFile.preview_state == PreviewState.WORKING)
                    & (MaterialFile.claimed_at < now - STALE_AFTER),
                )
            )
            .order_by(MaterialFile.id)
            .limit(limit)
        )
    )
    db.session.commit()  # end the read: SQLite keeps no transaction open during the work
    return ids


def _claim(file_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(MaterialFile)
        .where(
            MaterialFile.id == file_id,
            or_(
                MaterialFile.preview_state == PreviewState.PENDING,
                (MaterialFile.preview_state == PreviewState.WORKING)
                & (MaterialFile.claimed_at < now - STALE_AFTER),
            ),
        )
        .values(preview_state=PreviewState.WORKING, claimed_at=now)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _make_one(file_id: int) -> int:
    row = db.session.get(MaterialFile, file_id)
    tool = shutil.which(TOOLS.get(row.content_type, ""))
    if tool is None:
        # Not installed here (yet): left pending, made when the tool is there.
        log.warning("Förhandsbild väntar: %s saknas", TOOLS.get(row.content_type, "?"))
        row.preview_state = PreviewState.PENDING
        db.session.commit()
        return 0
    source = storage().local_path(row.storage_key)
    with tempfile.TemporaryDirectory(dir=storage().root) as work:
        image = _render(tool, row.content_type, source, Path(work))
        if image is None:
            row.preview_state = PreviewState.FAILED
            db.session.commit()
            return 0
        key = storage().put_file(image, image.suffix)
    preview = MaterialFile(
        item_id=row.item_id,
        role=FileRole.PREVIEW,
        storage_key=key,
        filename=Path(row.filename).stem + image.suffix,
        content_type="image/png" if image.suffix == ".png" else "image/jpeg",
        size=storage().local_path(key).stat().st_size,
        sha256="",
        preview_state=PreviewState.NONE,
    )
    db.session.add(preview)
    row.preview_state = PreviewState.DONE
    db.session.commit()
    return 1


def _render(tool: str, content_type: str, source: Path, work: Path) -> Path | None:
    if content_type == "application/pdf":
        commands = [[tool, "-png", "-f", "1", "-l", "1", "-scale-to", "400", "-singlefile",
                     str(source), str(work / "sida")]]  # fmt: skip
        target = work / "sida.png"
    else:
        # A second into the film shows more than its first, often black, frame.
        commands = [
            [tool, "-v", "error", "-y", "-ss", seek, "-i", str(source), "-frames:v", "1",
             "-vf", "scale=w='min(640,iw)':h=-2", str(work / "bild.jpg")]
            for seek in ("1", "0")
        ]  # fmt: skip
        target = work / "bild.jpg"
    for command in commands:
        try:
            subprocess.run(command, check=True, timeout=TOOL_TIMEOUT, capture_output=True)  # noqa: S603  (fixed tool, our own file names)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            log.info("Förhandsbild misslyckades: %s", error)
            continue
        if target.is_file() and target.stat().st_size > 0:
            return target
    return None
