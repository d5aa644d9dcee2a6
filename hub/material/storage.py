"""Where material files live: a small interface and its local-disk implementation.

Uploads are written to a staging file chunk by chunk (never whole in memory), then moved into
place under a random key once the database rows exist. An S3-compatible store can implement the
same four operations later; nothing else in the part touches the disk.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask, Response, abort, current_app, send_file
from flask_babel import gettext as _

from hub.core.rules import RuleError

MB = 1024 * 1024


class FileError(RuleError):
    """The file cannot be kept; the message is for the person (the view puts it at the field)."""


class TooLarge(FileError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(
            _("Filen är för stor. Den här sortens fil får vara högst %(mb)s MB.", mb=limit // MB)
        )
        self.limit = limit


class StorageFull(OSError):
    """The disk is full: nothing was kept."""


class Staged:
    """An upload being written: counts bytes, hashes them, and keeps the first bytes for the type
    check. ``limit`` may be lowered once the type is known (per-kind limits while streaming)."""

    def __init__(self, path: Path, handle: BinaryIO, limit: int) -> None:
        self.path = path
        self.handle = handle
        self.limit = limit
        self.size = 0
        self.head = b""
        self.digest = hashlib.sha256()
        self.on_head = None  # called once with the first bytes; may lower ``limit``

    def write(self, chunk: bytes) -> int:
        if len(self.head) < 64:
            self.head += chunk[: 64 - len(self.head)]
            if len(self.head) >= 64 and self.on_head is not None:
                self.on_head(self)
                self.on_head = None
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(self.limit)
        self.digest.update(chunk)
        try:
            return self.handle.write(chunk)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(error.errno, "disk full") from error
            raise

    def finish(self) -> None:
        if self.on_head is not None:  # a file shorter than 64 bytes
            self.on_head(self)
            self.on_head = None
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(error.errno, "disk full") from error
            raise
        finally:
            self.handle.close()

    def discard(self) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)

    # Werkzeug's form parser treats the object as a file.
    def seek(self, *_args) -> int:
        return 0

    def read(self, *_args) -> bytes:
        return b""


class Storage(Protocol):
    def stage(self, limit: int) -> Staged: ...

    def keep(self, staged: Staged, suffix: str) -> str: ...

    def delete(self, key: str) -> None: ...

    def local_path(self, key: str) -> Path: ...

    def response(self, key: str, *, mimetype: str, filename: str, inline: bool) -> Response: ...


class LocalDiskStorage:
    """Files under one folder (by default ``instance/material``), named by random keys."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / ".staging"

    def stage(self, limit: int) -> Staged:
        self.staging.mkdir(parents=True, exist_ok=True)
        path = self.staging / secrets.token_hex(16)
        return Staged(path, self._open(path), limit)

    def _open(self, path: Path) -> BinaryIO:
        return path.open("xb")

    def keep(self, staged: Staged, suffix: str) -> str:
        key = f"{secrets.token_hex(2)}/{secrets.token_hex(16)}{suffix}"
        target = self.local_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, target)  # same file system: atomic, no copy
        return key

    def put_file(self, source: Path, suffix: str) -> str:
        """A file the worker made (a thumbnail) moved into place under a new key."""
        key = f"{secrets.token_hex(2)}/{secrets.token_hex(16)}{suffix}"
        target = self.local_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return key

    def delete(self, key: str) -> None:
        self.local_path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("a storage key outside the storage folder")
        return path

    def response(self, key: str, *, mimetype: str, filename: str, inline: bool) -> Response:
        path = self.local_path(key)
        if not path.is_file():
            abort(404)  # a row whose file was lost (a restore without the files): not a 500
        # conditional=True: ETag, Last-Modified and HTTP range requests (video seeking).
        return send_file(
            path,
            mimetype=mimetype,
            as_attachment=not inline,
            download_name=filename,
            conditional=True,
            max_age=0,
        )


def configured_root(app: Flask) -> Path:
    return Path(app.config.get("MATERIAL_STORAGE_DIR") or Path(app.instance_path) / "material")


def storage() -> LocalDiskStorage:
    """The app's storage, made again when the configured folder changed (tests change it)."""
    root = configured_root(current_app)
    found = current_app.extensions.get("material_storage")
    if found is None or found.root != root:
        found = current_app.extensions["material_storage"] = LocalDiskStorage(root)
    return found
