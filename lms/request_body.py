"""Request bodies: how big a request may be, and JSON parsed only where a route takes it.

* :func:`limit_body` (a before-request hook installed first, before CSRF reads a form)
  gives each request the size limit of its kind of route: ``LMS_MAX_JSON_BYTES`` for a
  route marked :func:`takes_json`, ``MAX_CONTENT_LENGTH`` for uploads (multipart), and
  ``LMS_MAX_FORM_BYTES`` for anything else. Too big is a 413 before any byte is read.
* :func:`takes_json` marks the routes that take a JSON body and parses it when the view
  runs, i.e. after authentication: bounded in size and depth, refusing malformed JSON
  with a 400 that names the problem. Nothing else parses JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _

#: Deepest nesting of arrays and objects accepted in a JSON body.
MAX_JSON_DEPTH = 32

_SPECIAL = re.compile(r'["\\\[\]{}]')


def takes_json(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``view`` as taking a JSON body and parse it (bounded) before the view runs.

    Place it above ``spec.validate`` so that spectree finds the parsed body.
    """

    @wraps(view)
    def parsed(*args: Any, **kwargs: Any) -> Any:
        load_json()
        return view(*args, **kwargs)

    parsed.lms_takes_json = True  # type: ignore[attr-defined]
    return parsed


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings skipped).

    One pass over the special characters only, so linear whatever the text (a regular
    expression for strings backtracks quadratically on unterminated ones).
    """
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _SPECIAL.finditer(text):
        char, at = match.group(), match.start()
        if at == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads_bounded(text: str) -> Any:
    """``json.loads`` that refuses nesting deeper than :data:`MAX_JSON_DEPTH`.

    :raises ValueError: malformed or too deep (never a ``RecursionError``).
    """
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


def load_json() -> Any:
    """Parse the request's JSON body within the depth limit, caching it on the request.

    :raises lms.errors.APIError: 400 ``invalid_json`` (malformed, not UTF-8, too deep)
        or 400 ``invalid_character`` (a NUL in a string or key).
    """
    from lms.errors import APIError
    from lms.security import json_nul, shown

    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") or not request.is_json:
        return None
    raw = request.get_data(cache=True)  # bounded by limit_body
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise APIError(400, "invalid_json", _("The request body is not UTF-8 text.")) from exc
    if json_depth(text) > MAX_JSON_DEPTH:
        raise APIError(
            400,
            "invalid_json",
            _("The JSON body nests deeper than %(depth)d levels.", depth=MAX_JSON_DEPTH),
        )
    try:
        data = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError) as exc:
        raise APIError(400, "invalid_json", _("The request body is not valid JSON.")) from exc
    # A NUL reaches a string only as the escape \u0000 (JSON refuses a raw one).
    found = json_nul(data, "") if "\\u0000" in text else None
    if found is not None:
        field = shown(found)
        raise APIError(
            400,
            "invalid_character",
            _("The field “%(field)s” contains a NUL character, which is not allowed.", field=field),
            field=field,
        )
    request._cached_json = (data, data)  # what request.get_json() (spectree) returns
    return data


def body_limit(app: Flask) -> int:
    """The size limit of the current request's body, by the kind of its route."""
    view = app.view_functions.get(request.endpoint or "")
    if getattr(view, "lms_takes_json", False):
        return int(app.config["LMS_MAX_JSON_BYTES"])
    if request.mimetype == "multipart/form-data":
        return int(app.config["MAX_CONTENT_LENGTH"])  # uploads keep their own limit
    return int(app.config["LMS_MAX_FORM_BYTES"])


def limit_body() -> Response | None:
    """Refuse a body bigger than its route allows (413), before anything reads it."""
    limit = body_limit(current_app)
    request.max_content_length = limit  # also bounds a body sent without a length
    if request.content_length is not None and request.content_length > limit:
        return too_large()
    return None


def too_large() -> Any:
    from lms.errors import error_response

    return error_response(413, _("The data sent is larger than allowed."), code="too_large")


def init_app(app: Flask) -> None:
    """Install the size check; call it before any extension that reads the body."""
    app.before_request(limit_body)
