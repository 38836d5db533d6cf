"""The legal basis in the database (issue 13): imported with the course, checked there by
``lms legal check``, exported back (the round trip is a no-op), and editable on a lesson."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.courses.models import Course, Lesson
from lms.courses.sync import import_course
from lms.extensions import db
from lms.legal.models import LegalRecord
from tests.conftest import assign_lecturer, csrf_from, make_user
from tests.legal.test_registry import GOOD


@pytest.fixture
def imported(app, cited) -> tuple[Path, Course]:
    root, _lesson, _bank = cited
    import_course(root)
    db.session.commit()
    return root, db.session.scalar(select(Course))


def test_the_registry_and_citations_are_imported(imported) -> None:
    _root, course = imported
    rows = db.session.scalars(select(LegalRecord).order_by(LegalRecord.position)).all()
    assert [(r.number, r.status, r.replaced_by) for r in rows] == [
        ("29/2018/QH14", "replaced", "117/2025/QH15"), ("117/2025/QH15", "in_force", "")]
    assert str(course.legal_reviewed_on) == "2026-12-05"
    lesson = db.session.scalar(select(Lesson).order_by(Lesson.position))
    assert lesson.legal == ["29/2018/QH14"] and lesson.published_revision.legal == lesson.legal


def test_check_on_the_database(imported, runner) -> None:
    _root, course = imported
    result = runner.invoke(args=["legal", "check", course.slug, "--as-of", "05/12/2026"])
    assert result.exit_code == 1
    assert f"{course.slug}/lessons/01-khai-niem-vi-tri-vai-tro.md:" in result.output
    assert "29/2018/QH14" in result.output and "117/2025/QH15" in result.output
    again = runner.invoke(args=["legal", "check", course.slug, "--as-of", "15/03/2026"])
    assert again.exit_code == 1 and "01-khai-niem" in again.output


def test_export_then_import_is_a_no_op(imported, runner, tmp_path: Path) -> None:
    _root, course = imported
    out = tmp_path / "exported"
    assert runner.invoke(args=["courses", "export", course.slug, str(out)]).exit_code == 0
    assert (out / course.slug / "legal.toml").read_text(encoding="utf-8") == \
        (_root / "legal.toml").read_text(encoding="utf-8").replace(GOOD, GOOD)
    status = runner.invoke(args=["courses", "status", course.slug, str(out / course.slug)])
    assert status.exit_code == 0
    lines = [line for line in status.output.splitlines() if line]
    assert any("legal.toml" in line for line in lines)
    assert all(line.startswith("unchanged") for line in lines), status.output


def _as_lecturer(imported, auth) -> tuple[Course, Lesson]:
    """Log in as a lecturer of the course; its first lesson."""
    _root, course = imported
    lecturer = make_user("lecturer")
    assign_lecturer(course, lecturer)
    db.session.commit()
    auth.login_as(lecturer)
    return course, db.session.scalar(select(Lesson).order_by(Lesson.position))


def test_a_lesson_cites_only_documents_of_the_registry(imported, client, auth) -> None:
    course, lesson = _as_lecturer(imported, auth)
    url = f"/courses/{course.slug}/lessons/{lesson.slug}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "29/2018/QH14" in page
    data = {"title": lesson.title, "minutes": lesson.minutes,
            "objectives": "\n".join(lesson.objectives), "body": lesson.body,
            "legal": "117/2025/QH15\n05/2011/QH13", "action": "save",
            "csrf_token": csrf_from(client, url)}
    refused = client.post(url, data=data)
    assert "05/2011/QH13" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).legal == ["29/2018/QH14"]
    data["legal"] = "117/2025/QH15"
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).legal == ["117/2025/QH15"]


def test_the_lesson_page_shows_its_basis_and_warns_of_a_replaced_law(imported, client,
                                                                     auth) -> None:
    course, lesson = _as_lecturer(imported, auth)
    page = client.get(f"/courses/{course.slug}/lessons/{lesson.slug}").get_data(as_text=True)
    box = page[page.index('class="legal-basis'):page.index("</section>",
                                                            page.index('class="legal-basis'))]
    assert "Luật số 29/2018/QH14" in box and "đã bị thay thế" in box
    assert "đã được thay thế bởi 117/2025/QH15 từ ngày 01/03/2026" in box
    assert "Cập nhật đến ngày 05/12/2026" in box
    registry = client.get(f"/courses/{course.slug}/legal").get_data(as_text=True)
    assert "117/2025/QH15" in registry and "https://example.gov.vn/117-2025" in registry


def test_an_uploaded_question_cites_only_listed_documents(imported, runner,
                                                          tmp_path: Path) -> None:
    _root, course = imported
    bank = tmp_path / "them.gift"
    bank.write_text("// [tag:legal:117/2025/QH15]\n::a:: Câu hỏi? {T}\n\n"
                    "// [tag:legal:05/2011/QH13]\n::b:: Câu hỏi khác? {F}\n", encoding="utf-8")
    result = runner.invoke(args=["questions", "import", str(bank), "--course", course.slug])
    assert result.exit_code != 0
    assert f"{bank}:5: " in result.output and "05/2011/QH13" in result.output
    bank.write_text("// [tag:legal:117/2025/QH15]\n::a:: Câu hỏi? {T}\n", encoding="utf-8")
    result = runner.invoke(args=["questions", "import", str(bank), "--course", course.slug])
    assert result.exit_code == 0, result.output


def test_a_lesson_with_citations_is_still_as_in_the_files(imported, client, auth) -> None:
    """Found with the rewritten module: the provenance badge left the citations out and
    called every citing lesson edited on the web."""
    course, lesson = _as_lecturer(imported, auth)
    page = client.get(f"/courses/{course.slug}/lessons/{lesson.slug}").get_data(as_text=True)
    assert "provenance-files" in page and "provenance-web" not in page
