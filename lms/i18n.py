"""Locale selection and Vietnamese-first formatting helpers.

Dates are written dd/mm/yyyy in every locale (the users are Vietnamese administrations);
numbers follow the locale, so a score reads 8,5 in Vietnamese and 8.5 in English.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from flask import Flask, current_app, has_request_context, session
from flask_babel import get_locale, to_user_timezone
from flask_login import current_user

from lms.db import aware

SUPPORTED_LOCALES = ("vi", "en")
LOCALE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale() -> str:
    """The logged-in user's preference, else the visitor's choice, else the default."""
    if not has_request_context():  # CLI and jobs speak the default language
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")


def select_timezone() -> str:
    """All users are in Vietnam; one configurable zone keeps dates consistent."""
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")


def format_date(value: date | datetime | None) -> str:
    """``dd/mm/yyyy`` (datetimes are shown in the user's time zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(aware(value))  # naive ones come from SQLite, in UTC
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """``dd/mm/yyyy HH:MM`` in the user's time zone."""
    if value is None:
        return ""
    local = to_user_timezone(aware(value))  # naive ones come from SQLite, in UTC
    return local.strftime("%d/%m/%Y %H:%M")


def format_number(value: float | Decimal | int | None, digits: int = 1) -> str:
    """A number with the locale's decimal separator (``9,5`` in Vietnamese)."""
    if value is None:
        return ""
    # Half-up, as marks are rounded on Vietnamese score sheets (Babel would round half-even).
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(rounded, format=pattern, locale=str(get_locale() or "vi"))


def format_count(value: int | float) -> str:
    """A count as a whole number with the locale's grouping (``1.250`` in Vietnamese)."""
    return format_number(round(value), 0)


def format_percent(value: float | None) -> str:
    """A rate given in per cent (0–100): one decimal, none when whole (``33,3%``, ``75%``)."""
    if value is None:
        return ""
    text = format_number(value, 1)
    whole = format_number(value, 0)
    if Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) % 1 == 0:
        text = whole
    return f"{text}%"


def format_answer_number(value: float | int | str | None) -> str:
    """A learner's numerical answer as typed back into a field: no grouping, no trailing
    zeros, the locale's decimal separator (``25``, ``9,5``); text is left as it is."""
    if value is None or isinstance(value, str | bool):
        return "" if value is None else str(value)
    return format_decimal(Decimal(str(value)), format="0.##########",
                          locale=str(get_locale() or "vi"))


def init_app(app: Flask) -> None:
    """Register the template filters and globals."""
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["answer_number"] = format_answer_number
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_percent
    from lms.grading_scale import classify

    app.jinja_env.filters["classify"] = classify
    app.jinja_env.globals["LOCALE_NAMES"] = LOCALE_NAMES
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "vi")
