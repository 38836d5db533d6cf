"""The form editor of questions: every type written in a form, previewed as a learner sees
it, saved as a version as the GIFT editor saves it, and the same after a GIFT or Moodle XML
round trip."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lms.courses.models import ContentEdit
from lms.extensions import db
from lms.quizzes.bank import content_of, current_bank
from lms.quizzes.bankfile import gift_part, parse_bank
from lms.quizzes.models import Question
from tests.conftest import Auth, assign_lecturer, csrf_from
from tests.quizzes.conftest import QuizWorld


def _rows(*rows: dict[str, str]) -> dict[str, str]:
    return {f"answers-{i}-{k}": v for i, row in enumerate(rows) for k, v in row.items()}


#: One form of each type, as a lecturer fills it in.
FORMS: dict[str, dict[str, str]] = {
    "single_choice": {"name": "Ngày truyền thống", "text": "Ngày truyền thống ngành Cơ yếu?",
                      "right": "1", "general_feedback": "Ngày 12/9/1945.",
                      **_rows({"text": "02/09/1945", "feedback": "Ngày Quốc khánh."},
                              {"text": "12/09/1945", "feedback": "Đúng."},
                              {"text": "19/08/1945", "weight": "-50"}, {})},
    "multiple_choice": {"name": "Các luật", "text": "Chọn các luật về bảo mật",
                        **_rows({"text": "Luật Cơ yếu", "weight": "50"},
                                {"text": "Luật Bảo vệ bí mật nhà nước", "weight": "50"},
                                {"text": "Luật Đất đai", "weight": "-100",
                                 "feedback": "Không liên quan."})},
    "true_false": {"name": "Nghị quyết", "text": "Nghị quyết 56 do Bộ Chính trị ban hành.",
                   "truth": "false", "feedback_true": "Chưa đúng.", "feedback_false": "Đúng."},
    "short_answer": {"name": "Độ mật", "text": "Mức độ mật cao nhất?", "ignore_diacritics": "y",
                     **_rows({"text": "Tuyệt mật", "weight": "100"},
                             {"text": "Tối mật", "weight": "33.33333", "feedback": "Gần."})},
    "numerical": {"name": "Số lớp", "text": "Số lớp năm 2023?",
                  **_rows({"value": "2,5", "tolerance": "0,5", "weight": "100"},
                          {"value": "2", "tolerance": "1", "weight": "50"},
                          {"value": "*", "feedback": "Sai."})},
    "matching": {"name": "Ghép luật", "text": "Ghép luật với năm",
                 **_rows({"text": "Luật Cơ yếu", "match": "2011"},
                         {"text": "Luật BVBMNN", "match": "2018"},
                         {"text": "", "match": "1999"})},
    "essay": {"name": "Vai trò", "text": "Trình bày vai trò của công tác cơ yếu.",
              "response_template": "Mở bài:", "grader_info": "Nêu đủ ba ý."},
    "description": {"name": "Hướng dẫn", "text": "Đọc kỹ các câu sau."},
}


@pytest.fixture
def editor(client, world: QuizWorld) -> Auth:
    assign_lecturer(world.course, world.lecturer)
    db.session.commit()
    auth = Auth(client)
    auth.login_as(world.lecturer)
    return auth


def _post(client, url: str, data: dict[str, Any], action: str = "save"):
    return client.post(url, data={**data, "category": "bai-02", "action": action,
                                  "csrf_token": csrf_from(client, url)})


def _new(world: QuizWorld, kind: str) -> str:
    return f"/courses/{world.course.slug}/questions/write?type={kind}"


def test_the_type_chooser_names_types_in_vietnamese(client, editor, world) -> None:
    page = client.get(f"/courses/{world.course.slug}/questions/write").get_data(as_text=True)
    assert "Một lựa chọn" in page and "Ghép đôi" in page and "Tự luận" in page
    assert "single_choice" not in page.replace("type=single_choice", "")


@pytest.mark.parametrize("kind", list(FORMS))
def test_each_type_saved_from_the_form_survives_gift_and_xml(client, editor, world,
                                                             kind: str) -> None:
    saved = _post(client, _new(world, kind), FORMS[kind])
    assert saved.status_code == 302, saved.get_data(as_text=True)
    question = db.session.scalar(select(Question).where(Question.name == FORMS[kind]["name"]))
    version = question.current_version
    assert (version.type, version.number, question.category) == (kind, 1, "bai-02")
    assert question.source_path == "questions/bank.gift"  # as the GIFT editor saves
    edit = db.session.scalars(select(ContentEdit).order_by(ContentEdit.id.desc())).first()
    assert (edit.action, edit.detail) == ("question.created", FORMS[kind]["name"])
    stored = [q for q in current_bank(world.course) if q.name == FORMS[kind]["name"]]
    for fmt in ("gift", "xml"):
        exported = client.get(f"/courses/{world.course.slug}/questions/export.{fmt}")
        again = [q for q in parse_bank(exported.get_data(as_text=True), f"bank.{fmt}")
                 if q.name == FORMS[kind]["name"]]
        # GIFT cannot hold an essay's template and grader notes (Moodle XML does).
        expected = [gift_part(q)[0] if fmt == "gift" else q for q in stored]
        assert [content_of(q) for q in again] == [content_of(q) for q in expected], fmt
        if kind == "essay":
            assert (again[0].response_template != "") is (fmt == "xml")


def test_form_values_become_the_types_data(client, editor, world) -> None:
    for kind in ("single_choice", "numerical", "matching", "true_false", "short_answer"):
        _post(client, _new(world, kind), FORMS[kind])
    _post(client, _new(world, "numerical"), {"name": "Khoảng", "text": "Trong khoảng?",
                                              **_rows({"value": "1..3", "weight": "50"},
                                                      {"value": "2", "weight": "100"})})
    ranged = db.session.scalar(select(Question).where(Question.name == "Khoảng"))
    assert ranged.current_version.data["answers"][0] | {"id": ""} == {
        "id": "", "text": "", "fraction": 0.5, "feedback": "", "value": 2.0, "tolerance": 1.0,
        "low": 1, "high": 3}
    data = {q.current_version.type: q.current_version.data
            for q in db.session.scalars(select(Question).where(Question.category == "bai-02",
                                                               Question.name != "Khoảng"))}
    assert [a["fraction"] for a in data["single_choice"]["answers"]] == [0.0, 1.0, -0.5]
    assert data["single_choice"]["answers"][1]["feedback"] == "Đúng."
    numbers = data["numerical"]["answers"]
    assert (numbers[0]["value"], numbers[0]["tolerance"]) == (2.5, 0.5)
    assert (numbers[1]["value"], numbers[1]["tolerance"], numbers[1]["fraction"]) == (2, 1, 0.5)
    assert numbers[2]["text"] == "*"
    assert [r["text"] for r in data["matching"]["rights"]] == ["2011", "2018", "1999"]
    assert data["true_false"] == {"correct": False, "feedback_true": "Chưa đúng.",
                                  "feedback_false": "Đúng."}
    assert data["short_answer"]["ignore_diacritics"] is True
    assert data["short_answer"]["answers"][1]["fraction"] == pytest.approx(1 / 3, abs=1e-6)


def test_problems_are_named_in_vietnamese_by_row(client, editor, world) -> None:
    url = _new(world, "numerical")
    page = _post(client, url, {"name": "Số", "text": "Bao nhiêu?",
                               **_rows({"value": "100", "weight": "100"},
                                       {"value": "hai", "weight": "50"})})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dòng 2" in text and "hai" in text
    page = _post(client, _new(world, "single_choice"), {
        "name": "Một", "text": "Câu?", **_rows({"text": "A"}, {"text": "B"})})
    assert "100%" in page.get_data(as_text=True)  # validate()'s own rule, in Vietnamese
    page = _post(client, _new(world, "multiple_choice"), {
        "name": "Nhiều", "text": "Câu?", **_rows({"text": "A", "weight": "37"}, {"text": "B"})})
    assert "Moodle" in page.get_data(as_text=True)
    page = _post(client, _new(world, "matching"), {
        "name": "Ghép", "text": "", **_rows({"text": "A", "match": ""})})
    text = page.get_data(as_text=True)
    assert "Dòng 1" in text and "This field" not in text
    assert "Cần nhập nội dung câu hỏi." not in text  # rows first, then the whole question
    page = _post(client, _new(world, "true_false"), {"name": "", "text": "Đúng không?"})
    assert "Hãy đặt tên cho câu hỏi." in page.get_data(as_text=True)
    page = _post(client, _new(world, "true_false"), {"name": "x" * 201, "text": "Đúng không?"})
    assert "Tối đa 200 ký tự." in page.get_data(as_text=True)
    assert db.session.scalar(select(Question).where(Question.category == "bai-02")) is None


def test_preview_shows_what_a_learner_sees_and_saves_nothing(client, editor, world) -> None:
    page = _post(client, _new(world, "single_choice"), FORMS["single_choice"], "preview")
    text = page.get_data(as_text=True)
    assert 'class="question card"' in text and 'type="radio" name="q1"' in text
    assert "12/09/1945" in text
    page = _post(client, _new(world, "matching"), FORMS["matching"], "preview")
    assert "<select" in page.get_data(as_text=True)
    assert db.session.scalar(select(Question).where(Question.category == "bai-02")) is None


def test_add_rows_without_javascript(client, editor, world) -> None:
    page = _post(client, _new(world, "multiple_choice"), _rows({}, {}, {}, {}), "add_rows")
    assert 'name="answers-6-text"' in page.get_data(as_text=True)


def test_editing_in_the_form_makes_a_new_version(client, editor, world) -> None:
    question = db.session.scalar(select(Question).where(Question.name == "q1"))
    url = f"/courses/{world.course.slug}/questions/{question.id}/write"
    page = client.get(url).get_data(as_text=True)
    assert "12/09/1945" in page and 'value="0" checked' in page
    saved = _post(client, url, {"text": "Ngày truyền thống?", "right": "0",
                                **_rows({"text": "12/09/1945"}, {"text": "02/09/1945"})})
    assert saved.status_code == 302
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.current_version.number == 2 and question.idnumber == "q1"
    assert question.current_version.text == "Ngày truyền thống?"


def test_the_form_keeps_what_it_does_not_show(client, editor, world) -> None:
    from tests.quizzes.test_question_files import _import

    question = _import(world)  # Moodle XML with embedded files and a general feedback link
    before = question.current_version
    url = f"/courses/{world.course.slug}/questions/{question.id}/write"
    page = client.get(url).get_data(as_text=True)
    assert "@@PLUGINFILE@@/hinh/so-do.png" in page and "base64" not in page
    form = {"text": before.text.replace("<p>", "<p>Sửa: ", 1), "truth": "true",
            "general_feedback": before.general_feedback, "feedback_true": "",
            "feedback_false": ""}
    preview = _post(client, url, form, "preview").get_data(as_text=True)
    assert f"/questions/{question.id}/files/1/hinh/so-do.png" in preview  # files link
    assert _post(client, url, form).status_code == 302
    db.session.expire_all()
    after = db.session.get(Question, question.id).current_version
    assert after.number == 2 and "Sửa: " in after.text
    assert after.data["files"] == before.data["files"]
    assert after.text_format == before.text_format
