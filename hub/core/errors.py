"""Error pages in Swedish, in the site layout."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from hub.extensions import db

MESSAGES = {
    400: (_l("Felaktig begäran"), _l("Något i det du skickade gick inte att läsa. Försök igen.")),
    403: (_l("Ingen behörighet"), _l("Du har inte behörighet att se eller göra det här.")),
    404: (_l("Sidan finns inte"), _l("Sidan du söker finns inte, eller så har den flyttat.")),
    405: (_l("Det går inte att göra så"), _l("Sidan tar inte emot den här sortens begäran.")),
    409: (_l("Det gick inte att spara"), _l("Någon annan hann före, eller så är det låst.")),
    410: (_l("Finns inte längre"), _l("Det du söker har tagits bort eller gäller inte längre.")),
    413: (
        _l("För stor fil eller text"),
        _l("Det du skickade är för stort. Gör det mindre och försök igen."),
    ),
    429: (
        _l("För många försök"),
        _l("Du har gjort för många försök på kort tid. Vänta en stund och försök igen."),
    ),
    500: (_l("Något gick fel"), _l("Något gick fel hos oss. Försök igen om en stund.")),
}


def render_error(code: int) -> tuple[str, int]:
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, text=text), code


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code not in MESSAGES:
            return error
        return render_error(error.code)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        title, _text = MESSAGES[400]
        text = _l("Formuläret hade gått ut. Ladda om sidan och försök igen.")
        return render_template("errors/error.html", code=400, title=title, text=text), 400

    @app.errorhandler(InternalServerError)
    def handle_server_error(error: InternalServerError):
        db.session.rollback()
        return render_error(500)
