"""Routes of the mail part."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mail", __name__)
