"""What a web worker loads at start is what every worker pays in memory (issue #19 measured
it). Sign-in providers' libraries load on first use: most installations never turn them on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Loaded only by SAML sign-in (pysaml2, ~20 MB with xmlschema) and OpenID Connect or Microsoft
# 365 mail (Authlib, joserfc, ~10 MB).
ON_FIRST_USE = ("saml2", "xmlschema", "elementpath", "authlib", "joserfc")

PROBE = """
import sys
from hub.forum import lemmas
lemmas.load = lambda: None  # the search lexicon is issue 18's, and slow to load
from wsgi import app
print(",".join(name for name in {names!r} if name in sys.modules))
"""


def test_the_app_starts_without_the_sign_in_providers_libraries(tmp_path):
    env = {
        **os.environ,
        "HUB_ENV": "development",
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'probe.db'}",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(  # noqa: S603  (this Python, a fixed probe)
        [sys.executable, "-c", PROBE.format(names=ON_FIRST_USE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == ""
