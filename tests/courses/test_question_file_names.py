"""An uploaded question file's name becomes a safe base name under questions/, so the
course still exports (``lms courses export``) whatever the browser called the file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.courses.files_model import FILE_NAME_RE
from lms.extensions import db
from lms.quizzes.bankfile import bank_source
from lms.quizzes.models import Question
from tests.conftest import Auth, assign_lecturer, csrf_from, make_course, make_user

GIFT = "::q1:: Cơ yếu là ngành bảo mật thông tin {T}\n".encode()

NAMES = [
    "../../x.png",
    "..\\..\\bai 1.gift",
    "/etc/passwd",
    "_an.gift",
    "-.gift",
    ".gift",
    "Câu hỏi về Cơ yếu.gift",
    "a" * 400 + ".gift",
    "..gift",
    "~$tam.gift",
    "x.GIFT",
    "CON.gift",
    "a\u200bb.gift",
]


@pytest.mark.parametrize("name", NAMES)
def test_bank_source_is_a_safe_base_name(name: str) -> None:
    path = bank_source(name)
    assert path.startswith("questions/") and path.endswith((".gift", ".xml"))
    base = path.removeprefix("questions/")
    assert FILE_NAME_RE.fullmatch(base), path
    assert len(path) <= 200


def test_vietnamese_names_keep_their_letters() -> None:
    assert bank_source("Câu hỏi Điều 5.gift") == "questions/Cau-hoi-Dieu-5.gift"


@pytest.mark.parametrize("name", ["../../x.png", "_an.gift", "a" * 400 + ".gift"])
def test_an_upload_still_exports(auth: Auth, client, runner, tmp_path: Path, name: str) -> None:
    course = make_course("ql-ten-tep")
    lecturer = make_user("lecturer")
    assign_lecturer(course, lecturer)
    db.session.commit()
    auth.login_as(lecturer)
    url = f"/courses/{course.slug}/questions/import"
    response = client.post(
        url,
        data={"csrf_token": csrf_from(client, url), "file": (io.BytesIO(GIFT), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    question = db.session.scalar(select(Question).where(Question.course_id == course.id))
    assert question is not None
    assert FILE_NAME_RE.fullmatch(question.source_path.removeprefix("questions/"))
    result = runner.invoke(args=["courses", "export", course.slug, str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.gift"))
    assert written == [f"{course.slug}/{question.source_path}"]
