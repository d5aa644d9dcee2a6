"""Routes of the digests part."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("digests", __name__)
