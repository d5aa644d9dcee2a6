"""Routes of the notifications part."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__)
