"""The yardstick: a bare Flask app rendering a ~5 KB Jinja template, no database, no session.

``gunicorn -w 2 -k sync bench.bare_app:app``; each hub page's req/s is divided by this one's,
measured in the same run on the same machine."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template

app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent / "templates"))

ITEMS = [
    {
        "title": f"Hur får vi fler kollegor att använda läsplattan i hemtjänsten? ({n})",
        "author": "Anna Lindqvist",
        "municipality": "Laholm",
        "answers": n % 7,
    }
    for n in range(1, 21)
]


@app.get("/")
def index() -> str:
    return render_template("bare.html", items=ITEMS)
