"""Security headers with a per-request CSP nonce."""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, current_app, g, request, session
from flask_login import current_user
from werkzeug.datastructures import Headers, ImmutableMultiDict, MultiDict

from hub.extensions import csrf


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def without_nul(values: MultiDict) -> ImmutableMultiDict | None:
    """The values with NUL characters removed, or None when there were none."""
    items = list(values.items(multi=True))
    if not any("\x00" in key or "\x00" in value for key, value in items):
        return None
    return ImmutableMultiDict(
        (key.replace("\x00", ""), value.replace("\x00", "")) for key, value in items
    )


def strip_nul_bytes() -> None:
    """NUL never comes from a keyboard, and PostgreSQL refuses it in text: drop it from query
    strings and posted forms here, before any view can take it to SQL (so nobody loses what
    they wrote); a path with one names nothing."""
    if "\x00" in request.path:
        abort(404)
    # Only %00 (or a raw NUL) decodes to NUL: a query string without one is not parsed here.
    query = request.query_string
    if (b"%00" in query or b"\x00" in query) and (args := without_nul(request.args)) is not None:
        request.args = args
    if request.method not in ("GET", "HEAD") and (form := without_nul(request.form)) is not None:
        request.form = form


def check_csrf() -> None:
    """Flask-WTF's check before each request, with the method asked first: its own hook looks
    up the view's exemptions (the blueprint, the view, a name built for it) before it sees
    that a GET is never checked, on every page (~1.5 % of a signed-in static page)."""
    config = current_app.config
    if request.method not in config["WTF_CSRF_METHODS"]:
        return
    if config["WTF_CSRF_ENABLED"] and config["WTF_CSRF_CHECK_DEFAULT"]:
        csrf.protect(apply_exemptions=True)


def install_csrf(app: Flask) -> None:
    """Flask-WTF's ``CSRFProtect`` bound to ``app`` (its settings, ``protect``, the error), with
    ``check_csrf`` in the place of the before-request hook it adds, and without the context
    processor it adds (which put its own ``csrf_token`` into every template's context, over
    ``hub.core.templating.csrf_token``). Both are what its ``init_app`` appends, so they are
    told apart from everyone else's by being new after it, not by their name. Called before
    any other extension adds a hook: the form must be checked before any other hook reads it.
    """
    hooks = app.before_request_funcs.setdefault(None, [])
    processors = app.template_context_processors[None]
    hooks_before, processors_before = list(hooks), list(processors)
    csrf.init_app(app)
    added_hooks, added_processors = hooks[len(hooks_before) :], processors[len(processors_before) :]
    if hooks[: len(hooks_before)] != hooks_before or len(added_hooks) != 1:
        raise RuntimeError(f"Flask-WTF added these hooks: {added_hooks}; expected one")
    if processors[: len(processors_before)] != processors_before or len(added_processors) != 1:
        raise RuntimeError(f"Flask-WTF added these processors: {added_processors}; expected one")
    hooks[len(hooks_before) :] = [check_csrf]
    del processors[len(processors_before) :]


def keep_private(response: Response) -> None:
    """Nothing shown to a signed-in member stays in the browser's caches: on a shared
    workplace computer the next person could open it with Back or from the disk cache. Static
    files and photos whose URL names one version (``immutable``) hold nothing private to keep
    from the next person beyond what the pages that link them show."""
    if request.endpoint == "static" or "immutable" in response.headers.get("Cache-Control", ""):
        return
    if "_user_id" in session and current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"


# The headers of every answer, unless the view set its own (in this order).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def add_security_headers(headers: Headers, hsts: bool) -> None:
    """Each header the answer has not set already: one look at the names, not one search of
    the headers for each (``setdefault``)."""
    present = set(headers.keys(lower=True))
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=csp_nonce()))
    for name, value in (*FIXED_HEADERS, HSTS) if hsts else FIXED_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)


def register(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(strip_nul_bytes)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        add_security_headers(response.headers, bool(app.config.get("HSTS")))
        keep_private(response)
        return response
