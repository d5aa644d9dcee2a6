"""Security headers with a per-request CSP nonce."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from flask import Flask, Response, abort, current_app, request, session
from flask_login import current_user
from werkzeug.datastructures import Headers, ImmutableMultiDict, MultiDict

from hub.extensions import csrf

# In the request's WSGI environ, where ``SecurityHeaders`` reads them: the nonce its page's
# scripts carry (once a page asked for one), and that the answer is a signed-in member's.
NONCE = "hub.csp_nonce"
PRIVATE = "hub.private"


def csp_nonce() -> str:
    environ = request.environ
    nonce = environ.get(NONCE)
    if nonce is None:
        nonce = environ[NONCE] = secrets.token_urlsafe(16)
    return nonce


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
    current = request._get_current_object()  # one look-up through the proxy, not five
    if "\x00" in current.path:
        abort(404)
    # Only %00 (or a raw NUL) decodes to NUL: a query string without one is not parsed here.
    query = current.query_string
    if (b"%00" in query or b"\x00" in query) and (args := without_nul(current.args)) is not None:
        current.args = args
    if current.method not in ("GET", "HEAD") and (form := without_nul(current.form)) is not None:
        current.form = form


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


def mark_private(response: Response) -> Response:
    """Nothing shown to a signed-in member stays in the browser's caches: on a shared
    workplace computer the next person could open it with Back or from the disk cache. Noted
    here, where the session and the member are known; ``SecurityHeaders`` writes it. Static
    files and photos whose URL names one version (``immutable``, seen there) hold nothing
    private to keep from the next person beyond what the pages that link them show."""
    current = request._get_current_object()  # one look-up through the proxy, not two
    if current.endpoint != "static" and "_user_id" in session and current_user.is_authenticated:
        current.environ[PRIVATE] = True
    return response


# The headers of every answer, unless the view set its own (in this order).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action {form_action}; frame-ancestors 'none'"
)
FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
NO_STORE = ("Cache-Control", "private, no-store")


def content_security_policy(nonce: str, form_action: str = "'self'") -> str:
    return CONTENT_SECURITY_POLICY.format(nonce=nonce, form_action=form_action)


Header = tuple[str, str]


def add_security_headers(headers: list[Header], environ: dict, fixed: tuple[Header, ...]) -> None:
    """Each security header the answer has not set already, added to the list the server is
    given (one look at the names, not one search of the headers for each), and the
    no-store of a signed-in member's answer (``mark_private``) in the place of its own."""
    present = {name.lower(): value for name, value in headers}
    if "content-security-policy" not in present:
        nonce = environ.get(NONCE) or secrets.token_urlsafe(16)
        headers.append(("Content-Security-Policy", content_security_policy(nonce)))
    headers.extend(header for header in fixed if header[0].lower() not in present)
    if environ.get(PRIVATE) and "immutable" not in present.get("cache-control", ""):
        if "cache-control" in present:
            headers[:] = [header for header in headers if header[0].lower() != "cache-control"]
        headers.append(NO_STORE)


class SecurityHeaders:
    """The app's WSGI callable (``app.wsgi_app``) with the security headers added to every
    answer, as the list of pairs the server sends. Added in an after-request hook, each header
    went through werkzeug's checks of a header twice (on ``response.headers`` and again in the
    copy werkzeug makes for the server): 7 % of a signed-in static page's instructions. The
    fixed ones are checked here once, at start-up: a ``Headers`` of them raises as werkzeug
    would on a bad value."""

    def __init__(self, wsgi_app: Callable, hsts: bool) -> None:
        self.wsgi_app = wsgi_app
        fixed = (*FIXED_HEADERS, HSTS) if hsts else FIXED_HEADERS
        self.fixed: tuple[Header, ...] = tuple(Headers(fixed).to_wsgi_list())

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list[Header], exc_info=None) -> Callable:
            add_security_headers(headers, environ, self.fixed)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def register(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(strip_nul_bytes)
    app.after_request(mark_private)
    app.wsgi_app = SecurityHeaders(app.wsgi_app, bool(app.config.get("HSTS")))
