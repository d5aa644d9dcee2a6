"""libical's own check of our calendar files: its parser and ``icalrestriction_check``.

ical_check.c is compiled against Debian's libical-dev once per test run (scripts/test installs
gcc, pkg-config and libical-dev). Missing tools fail the test rather than skip it: the issue's
acceptance is that this check runs.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).with_name("ical_check.c")


def build_checker(folder: Path) -> Path:
    for tool in ("gcc", "pkg-config"):
        assert shutil.which(tool), f"{tool} saknas: apt-get install gcc pkg-config libical-dev"
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "libical"],  # noqa: S607  (Debian's, on PATH)
        capture_output=True,
        text=True,
    )
    assert flags.returncode == 0, "libical-dev saknas: apt-get install libical-dev"
    binary = folder / "ical_check"
    subprocess.run(  # noqa: S603  (fixed command, our own source)
        ["gcc", "-O1", "-o", str(binary), str(SOURCE), *flags.stdout.split()],  # noqa: S607
        check=True,
        capture_output=True,
    )
    return binary


def libical_errors(checker: Path, ics: bytes) -> list[str]:
    """What libical reports about the file: an empty list when it has nothing to say."""
    result = subprocess.run(  # noqa: S603  (the checker built above)
        [str(checker)], input=ics, capture_output=True, timeout=30
    )
    lines = result.stdout.decode(errors="replace").splitlines()
    if result.returncode != 0 and not lines:
        lines = [f"exit {result.returncode}: {result.stderr.decode(errors='replace')}"]
    return lines
