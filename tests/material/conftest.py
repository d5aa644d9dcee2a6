"""Material tests: each test keeps its files in its own folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import csrf_token


@pytest.fixture
def material_dir(app, tmp_path: Path) -> Path:
    root = tmp_path / "material"
    app.config["MATERIAL_STORAGE_DIR"] = str(root)  # the session app's config is restored after
    return root


def stored_files(root: Path) -> list[Path]:
    """Files kept or being written (staging included)."""
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


BASE = {
    "title": "Etik när omsorgen blir digital",
    "summary": "Fem situationer att prata om i arbetsgruppen.",
    "source_kind": "project",
    "source_name": "Digga Halland",
    "licence": "cc-by",
    "language": "sv",
    "tags": "etik, trygghetskamera",
    "care_areas": ["aldreomsorg"],
}


@pytest.fixture
def share(client, material_dir):
    """POST the share form with files as (name, bytes) pairs; returns the response."""
    import io

    def post(kind: str, *, file=None, captions=None, **fields):
        token = csrf_token(client.get("/material/ny").text)
        data = {"csrf_token": token, "kind": kind, **BASE, **fields}
        if file is not None:
            data["file"] = (io.BytesIO(file[1]), file[0])
        if captions is not None:
            data["captions"] = (io.BytesIO(captions[1]), captions[0])
        response = client.post("/material/ny", data=data, content_type="multipart/form-data")
        # Werkzeug's test client closes a large body's temporary file only when following
        # redirects; this lets go of it.
        response.request.input_stream.close()
        return response

    return post
