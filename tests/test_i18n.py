"""Vietnamese first: default locale, switching, persistence, complete catalogs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lms.auth.models import User
from lms.extensions import db
from lms.i18n import format_date, format_number
from tests.conftest import Auth, csrf_from, make_user

CATALOG = Path(__file__).resolve().parents[1] / "lms" / "translations" / "vi" / "LC_MESSAGES"


def test_default_language_is_vietnamese(client) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page


def test_visitor_switches_language(client) -> None:
    token = csrf_from(client)
    client.post("/locale", data={"locale": "en", "csrf_token": token, "next": "/auth/login"})
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page


def test_switch_persists_on_the_account(app, auth: Auth, client) -> None:
    user = auth.login_as(make_user("learner"))
    client.post("/locale", data={"locale": "en", "csrf_token": csrf_from(client, "/")})
    assert db.session.get(User, user.id).locale == "en"
    fresh = app.test_client()  # another browser: no session cookie, no visitor choice
    Auth(fresh).login_as(user)
    assert '<html lang="en">' in fresh.get("/").get_data(as_text=True)


def test_unknown_locale_is_refused(auth: Auth, client) -> None:
    user = auth.login_as(make_user("learner"))
    client.post("/locale", data={"locale": "fr", "csrf_token": csrf_from(client, "/")})
    assert db.session.get(User, user.id).locale == "vi"


def test_vietnamese_catalog_is_complete() -> None:
    with (CATALOG / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert not missing, f"untranslated: {missing[:10]}"


def test_dates_and_numbers(app) -> None:
    with app.test_request_context():
        assert format_date(date(2025, 3, 4)) == "04/03/2025"
        assert format_number(9.5) == "9,5"
        assert format_number(8.25, 2) == "8,25"


@pytest.mark.parametrize(("value", "expected"), [(7, "7,0"), (10, "10,0"), (0.05, "0,1")])
def test_decimal_comma(app, value: float, expected: str) -> None:
    with app.test_request_context():
        assert format_number(value) == expected


def test_numerical_answers_are_shown_as_typed(app) -> None:
    """The finding of a CI run: an answer of 25 came back into the field as "25.0"."""
    from flask_babel import force_locale

    from lms.i18n import format_answer_number

    with app.test_request_context(), force_locale("vi"):
        assert [format_answer_number(v) for v in (25.0, 9.5, 2011, 0.125, None, "abc")] == [
            "25", "9,5", "2011", "0,125", "", "abc"]
    with app.test_request_context(), force_locale("en"):
        assert format_answer_number(9.5) == "9.5"


def test_no_merge_conflict_markers_in_tracked_files() -> None:
    # A merge once committed markers into messages.po: pybabel compiled it anyway.
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                           check=True).stdout.split()
    marked = []
    for name in files:
        path = root / name
        if path.suffix not in {".py", ".po", ".html", ".md", ".toml", ".txt", ".yml", ".js",
                               ".css", ".gift", ".xml"} or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")):
                marked.append(f"{name}:{number}")
    assert marked == []


def test_the_vietnamese_catalog_has_no_duplicate_messages() -> None:
    from collections import Counter
    from pathlib import Path

    po = Path(__file__).resolve().parents[1] / "lms/translations/vi/LC_MESSAGES/messages.po"
    ids, current, in_id = [], [], False
    for line in po.read_text().splitlines():
        text = line.removeprefix("#~ ")
        if text.startswith(("msgid ", "msgctxt ")):
            if current:
                ids.append("".join(current))
            current, in_id = [text], True
        elif in_id and text.startswith('"'):
            current.append(text)
        else:
            in_id = False
    ids.append("".join(current))
    assert [m for m, n in Counter(ids).items() if n > 1] == []
