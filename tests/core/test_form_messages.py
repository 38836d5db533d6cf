"""Validation messages of every form speak the page's language (issue 14): WTForms has no
Vietnamese catalog, so its messages come from ours."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm

from lms.forms import WTFORMS_MESSAGES, BabelTranslations
from tests.conftest import Auth, csrf_from, make_course, make_user

ENGLISH = ("This field is required", "Not a valid", "Field must be", "characters long",
           "Invalid ", "The CSRF token")


def _errors(html: str) -> str:
    return " ".join(part.split("</p>")[0] for part in html.split('class="error" role="alert">')[1:])


def _no_english(html: str) -> None:
    leaks = [w for w in ENGLISH if w in html]
    assert not leaks, leaks


def test_login_required_fields_in_vietnamese(client) -> None:
    page = client.post("/auth/login", data={"username": "", "password": "",
                                            "csrf_token": csrf_from(client)})
    html = page.get_data(as_text=True)
    assert "Trường này là bắt buộc." in _errors(html)
    _no_english(html)


def test_password_change_length_in_vietnamese(auth: Auth, client) -> None:
    auth.login_as(make_user("learner"))
    html = client.post("/auth/password", data={
        "current_password": "", "new_password": "ngan", "confirm": "khac",
        "csrf_token": csrf_from(client, "/auth/password")}).get_data(as_text=True)
    errors = _errors(html)
    assert "Trường này là bắt buộc." in errors
    assert "Độ dài phải từ 8 đến 200 ký tự." in errors
    _no_english(html)


def test_class_form_date_and_required_in_vietnamese(auth: Auth, client) -> None:
    make_course()
    auth.login_as(make_user("admin"))
    html = client.post("/classes/new", data={
        "code": "", "name": "", "course": "khoa-hoc", "start_date": "31/02/2025",
        "csrf_token": csrf_from(client, "/classes/new")}).get_data(as_text=True)
    errors = _errors(html)
    assert "Trường này là bắt buộc." in errors
    assert "Giá trị ngày không hợp lệ." in errors
    _no_english(html)


def test_english_stays_english(client) -> None:
    token = csrf_from(client)
    client.post("/locale", data={"locale": "en", "csrf_token": token, "next": "/auth/login"})
    html = client.post("/auth/login", data={"username": "", "password": "",
                                            "csrf_token": token}).get_data(as_text=True)
    assert "This field is required." in html


def test_every_wtforms_message_is_translated(app) -> None:
    """Every message WTForms and Flask-WTF can produce has a Vietnamese msgstr."""
    with app.test_request_context(), force_locale("vi"):
        translations = BabelTranslations()
        for singular, plural in WTFORMS_MESSAGES:
            if plural is None:
                assert translations.gettext(singular) != singular, singular
            else:
                assert translations.ngettext(singular, plural, 3) != plural, plural


@pytest.mark.parametrize("number", [1, 5])
def test_plural_messages_keep_their_placeholders(app, number: int) -> None:
    with app.test_request_context(), force_locale("vi"):
        text = BabelTranslations().ngettext("Field must be at least %(min)d character long.",
                                            "Field must be at least %(min)d characters long.",
                                            number)
        assert text % {"min": number} == f"Độ dài tối thiểu {number} ký tự."


def test_every_form_of_the_app_uses_the_catalog(app) -> None:
    """A form class written without the base class would speak English again."""
    import lms.models  # noqa: F401  (imports every feature)
    from lms.forms import Form

    def subclasses(cls: type) -> list[type]:
        return [cls, *[s for sub in cls.__subclasses__() for s in subclasses(sub)]]

    strays = [c.__qualname__ for c in subclasses(FlaskForm)
              if c.__module__.startswith("lms.") and not issubclass(c, Form)]
    assert not strays
