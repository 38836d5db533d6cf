"""How long a text may be: derived from the model's ``String(n)`` columns, in one place.

Forms use :func:`max_length` in their ``Length`` validators and services call
:func:`check_length`, so that a value too long for its column is a form error or a 422
naming the field, never a database error. :func:`overflowing` lists what would not fit
(the tests install it as a flush guard, since SQLite, unlike PostgreSQL, does not enforce
the lengths).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, inspect

from lms.errors import InvalidInput


def max_length(attribute: Any) -> int:
    """The ``n`` of a ``String(n)`` column attribute (``Class.certificate_place`` → 100)."""
    column = attribute.property.columns[0]
    length = getattr(column.type, "length", None)
    if not isinstance(column.type, String) or length is None:
        raise TypeError(f"{attribute} is not a String(n) column")
    return int(length)


def check_length(value: str | None, attribute: Any, field: str) -> str | None:
    """``value`` if it fits the column of ``attribute``.

    :raises InvalidInput: naming ``field``, when it is longer than the column holds.
    """
    limit = max_length(attribute)
    if value is not None and len(value) > limit:
        raise InvalidInput(field, _("At most %(max)d characters.", max=limit))
    return value


def overflowing(instance: Any) -> list[tuple[str, int, int]]:
    """``(column, limit, length)`` of each ``String(n)`` value of ``instance`` that does not
    fit its column."""
    found = []
    for prop in inspect(type(instance)).column_attrs:
        column = prop.columns[0]
        length = getattr(column.type, "length", None)
        if not isinstance(column.type, String) or length is None:
            continue
        value = instance.__dict__.get(prop.key)  # loaded or set; never a lazy load
        if isinstance(value, str) and len(value) > length:
            found.append((f"{type(instance).__name__}.{prop.key}", length, len(value)))
    return found
