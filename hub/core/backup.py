"""Consistent backups: SQLite's online backup API, ``pg_dump`` on PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, inspect, select, table
from sqlalchemy import func as sql_func

from hub.extensions import db


def default_backup_path(instance_path: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "db" if db.engine.dialect.name == "sqlite" else "dump"
    return Path(instance_path) / "backups" / f"stafetten-{stamp}.{suffix}"


def backup_database(target: Path) -> Path:
    """Write a consistent copy of the live database to ``target`` while the hub keeps running."""
    target.parent.mkdir(parents=True, exist_ok=True)
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(Path(url.database), target)
    else:
        _run_pg("pg_dump", url, "--format=custom", "--no-owner", f"--file={target}")
    return target


def restore_database(source: Path) -> None:
    """Replace the live database's content with the backup in ``source``."""
    if not source.is_file():
        raise FileNotFoundError(source)
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(source, Path(url.database))
    else:
        _run_pg("pg_restore", url, "--clean", "--if-exists", "--no-owner", str(source))


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: a backup is checked by comparing these with the live database's."""
    names = inspect(engine).get_table_names()
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(sql_func.count()).select_from(table(name)))
            for name in sorted(names)
        }


def check_backup(source: Path) -> dict[str, int]:
    """Open a SQLite backup, check its integrity and count its rows (PostgreSQL: list it)."""
    if db.engine.dialect.name != "sqlite":
        _run_pg("pg_restore", None, "--list", str(source))
        return {}
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as connection:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise ValueError(f"the backup is damaged: {result}")
    engine = create_engine(f"sqlite:///{source}")
    try:
        return table_counts(engine)
    finally:
        engine.dispose()


def _sqlite_copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _run_pg(program: str, url: URL | None, *args: str) -> None:
    env = dict(os.environ)
    command = [program, *args]
    if url is not None:
        env["PGPASSWORD"] = url.password or ""
        command += [
            f"--host={url.host or 'localhost'}",
            f"--port={url.port or 5432}",
            f"--username={url.username or ''}",
            f"--dbname={url.database}",
        ]
    subprocess.run(command, check=True, env=env, capture_output=True)  # noqa: S603
