"""Class codes follow a pattern (letters, digits, ``.``, ``_``, ``-``; a letter or digit
first): a code with a line break, a ``/`` or markup is refused when the class is created,
and a download named after an old code never fails."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.classes.models import Class
from lms.classes.services import CLASS_CODE_RE, ClassData, create_class
from lms.errors import InvalidInput
from lms.extensions import db
from lms.reports.services import export_filename
from tests.conftest import Auth, csrf_from, make_course, make_user

BAD = [
    "K1\nX",
    "K1\r\nX",
    "a/b",
    "../K1",
    "<b>K1</b>",
    "K 1",
    "-K1",
    ".K1",
    "Lớp1",
    "K1;",
    "K1?x",
    "K1#x",
    "K1%0A",
    "A" * 51,
    "",
    " ",
    "K1\x0bX",
    "K1\u2028X",
]
GOOD = ["K74-HN", "QLNN-CY-K3", "CC-2026-01", "K1", "k.2026_a", "A" * 50]


@pytest.mark.parametrize("code", BAD)
def test_a_bad_code_is_refused_by_the_service(app, code: str) -> None:
    make_course("ql-ma-lop")
    with pytest.raises(InvalidInput) as caught:
        create_class(ClassData(code=code, name="Lớp", course_slug="ql-ma-lop"))
    assert caught.value.field == "code"


@pytest.mark.parametrize("code", GOOD)
def test_good_codes_are_accepted(app, code: str) -> None:
    make_course("ql-ma-lop")
    assert create_class(ClassData(code=code, name="Lớp", course_slug="ql-ma-lop")).code == code
    assert CLASS_CODE_RE.fullmatch(code)


@pytest.mark.parametrize("code", ["K1\nX", "a/b", "<i>K</i>", "K 1"])
def test_the_form_shows_the_error(auth: Auth, client, code: str) -> None:
    make_course("ql-ma-lop")
    auth.login_as(make_user("admin"))
    response = client.post(
        "/classes/new",
        data={
            "csrf_token": csrf_from(client, "/classes/new"),
            "code": code,
            "name": "Lớp",
            "course": "ql-ma-lop",
        },
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Class.id))) == 0


def test_the_cli_refuses_a_bad_code(runner) -> None:
    make_course("ql-ma-lop")
    result = runner.invoke(
        args=["classes", "create", "--code", "a/b", "--name", "Lớp", "--course", "ql-ma-lop"]
    )
    assert result.exit_code != 0 and "--code" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("code", ["K1\nX", "K1\r", 'K1"; x=1', "Lớp/1"])
def test_an_old_code_still_names_a_safe_file(app, code: str) -> None:
    course = make_course("ql-ma-lop")
    klass = Class(code=code, name="Lớp cũ", course=course)  # from before the pattern
    db.session.add(klass)
    db.session.flush()
    name = export_filename(klass, "csv")
    assert CLASS_CODE_RE.fullmatch(name.removeprefix("ket-qua-").removesuffix(".csv")), name


def test_an_old_code_with_a_line_break_downloads(auth: Auth, client) -> None:
    course = make_course("ql-ma-lop")
    klass = Class(code="K1\nX", name="Lớp cũ", course=course)
    db.session.add(klass)
    db.session.commit()
    auth.login_as(make_user("admin"))
    url = "/classes/K1%0AX/export.csv"
    queued = client.post(url, data={"csrf_token": csrf_from(client, "/")})
    assert queued.status_code == 302
    job = queued.headers["Location"].rsplit("/", 1)[-1]
    response = client.get(f"/exports/{job}/download")
    assert response.status_code == 200
    assert "\n" not in response.headers["Content-Disposition"]
