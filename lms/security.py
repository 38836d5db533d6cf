"""HTTP hardening: security headers, secure cookies over HTTPS, proxy awareness, no NUL
characters in what a request carries, and no caching of pages that are someone's own.

JSON bodies are not looked at here: they are parsed (and checked for NUL) only by the
routes that take them, after authentication (:mod:`lms.request_body`)."""

from __future__ import annotations

from itertools import chain
from typing import Any

from flask import Flask, Request, Response, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script anywhere: every script is a file under /static. Styles likewise.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


# Every response carries these; Strict-Transport-Security is added over HTTPS.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


class TokenCallSession(SecureCookieSession):
    """The session of an API call made with a bearer token: empty, never read from the
    cookie nor written back (the token, not the cookie, says who calls)."""


def is_bearer_call(req: Request) -> bool:
    """An ``/api/`` request that authenticates with ``Authorization: Bearer …``."""
    return req.path.startswith("/api/") and req.headers.get(
        "Authorization", "")[:7].lower() == "bearer "


class SecureWhenHttpsSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS; leave the
    cookie alone on bearer-token API calls (no signature check, no write)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or _is_secure(request))

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if is_bearer_call(request):
            return TokenCallSession()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if isinstance(session, TokenCallSession):
            return
        super().save_session(app, session, response)


def _is_secure(req: Request) -> bool:
    try:
        return req.is_secure
    except RuntimeError:  # outside a request
        return False


def _set_headers(response: Response) -> Response:
    # One pass over the headers already set (a view may set its own policy), then one
    # extend with the missing ones, instead of a lookup per header.
    headers = response.headers
    present = {key.lower() for key, _value in headers.items()}
    wanted = (*SECURITY_HEADERS, HSTS) if request.is_secure else SECURITY_HEADERS
    headers.extend([pair for pair in wanted if pair[0].lower() not in present])
    if response.mimetype == "text/html" and _signed_in():
        # A signed-in page is that person's own: no shared or back-button copy of it.
        headers["Cache-Control"] = "no-store"
    return response


def bare_mimetype(content_type: str) -> str:
    """``text/plain; charset=utf-8`` → ``text/plain``: what ``send_file`` wants, since it
    adds the charset of text types itself (else the header carries two)."""
    return content_type.split(";", 1)[0].strip()


def _signed_in() -> bool:
    # Without loading the user again: the one this request loaded, else the session's.
    user = g.get("_login_user")
    if user is not None:
        return bool(user.is_authenticated)
    return "_user_id" in session


def json_nul(value: Any, path: str) -> str | None:
    """The JSON path (``a.b.0``) of the first string or key holding a NUL, if any."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if "\x00" in str(key):
            return where
        if found := json_nul(item, where):
            return found
    return None


def nul_field(req: Request) -> str | None:
    """The first query or form field of ``req`` that holds a NUL character (JSON bodies
    are checked where they are parsed: :func:`lms.request_body.load_json`)."""
    for name, value in chain(req.args.items(multi=True), req.form.items(multi=True)):
        if "\x00" in name or "\x00" in value:
            return shown(name)
    return None


def _cannot_hold_nul(req: Request) -> bool:
    """Whether the raw request shows no NUL can be in its query or form fields (no parsing
    needed). A query string carries a NUL only as ``%00``; a JSON body is checked where it
    is parsed (:func:`lms.request_body.load_json`), so only form bodies are parsed here.
    """
    query = req.query_string
    if b"%00" in query or b"\x00" in query:
        return False
    if not req.content_length and "HTTP_TRANSFER_ENCODING" not in req.environ:
        return True  # no body
    return req.is_json


def shown(name: str) -> str:
    """A field name fit to echo: the NUL made visible, and no longer than a line."""
    return name.replace("\x00", "\ufffd")[:100]


def _refuse_nul() -> Response | None:
    # PostgreSQL text (and jsonb) cannot hold NUL and no person types one: refuse the
    # request up front, naming the field, instead of failing on the way to the database.
    if _cannot_hold_nul(request):
        return None
    field = nul_field(request)
    if field is None:
        return None
    from lms.errors import APIError, error_response, wants_json

    message = _("The field “%(field)s” contains a NUL character, which is not allowed.",
                field=field)
    if wants_json():
        raise APIError(400, "invalid_character", message, field=field)
    return error_response(400, message, code="invalid_character")


def init_app(app: Flask) -> None:
    """Install headers, cookie policy, the NUL guard and (when configured) the proxy fix."""
    app.session_interface = SecureWhenHttpsSessionInterface()
    app.after_request(_set_headers)
    app.before_request(_refuse_nul)

    proxies = app.config.get("LMS_PROXY_COUNT", 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )
