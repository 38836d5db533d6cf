"""Files the journeys upload (made here, none shipped) and the answer keys of an attempt."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import openpyxl
from sqlalchemy import create_engine, text

COURSE = "quan-ly-nha-nuoc-ve-co-yeu"
COURSE_TITLE = "Quản lý nhà nước về Cơ yếu"
DEMO_CLASS = "K74-HN"
FINAL_TEST = "Kiểm tra cuối khóa"
NEW_CLASS = "K75-E2E"


@dataclass(frozen=True)
class Person:
    """A roster line."""

    full_name: str
    dob: str
    unit: str
    position: str
    email: str
    username: str = ""


#: Added to K74-HN by the admin; each activates their account and completes the class.
NEW_LEARNERS = {
    "vi": Person("Đỗ Thị Hồng Nhung", "12/05/1980", "Sở Nội vụ tỉnh Nghệ An", "Phó Giám đốc",
                 "nhung.dth@example.gov.vn", "e2e.nhung"),
    "en": Person("Vũ Quang Huy", "03/09/1976", "UBND tỉnh Lào Cai", "Chánh Văn phòng",
                 "huy.vq@example.gov.vn", "e2e.huy"),
}

#: The roster of the class the admin creates (row 3 gets an impossible date first).
NEW_CLASS_ROSTER = [
    Person("Hoàng Văn Thái", "20/10/1978", "Bộ Chỉ huy Quân sự tỉnh Quảng Ninh",
           "Phó Chỉ huy trưởng", "thai.hv@example.gov.vn"),
    Person("Bùi Thị Thu Hà", "28/02/1980", "Văn phòng Tỉnh ủy Thái Bình", "Chánh Văn phòng",
           "ha.btt@example.gov.vn"),
    Person("Trịnh Đình Khoa", "07/07/1983", "Sở Thông tin và Truyền thông tỉnh Hòa Bình",
           "Giám đốc", "khoa.td@example.gov.vn"),
]
BAD_DATE = "31/02/1980"

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Đơn vị công tác", "Chức vụ", "Email",
          "Tên đăng nhập"]


def roster_csv(people: list[Person]) -> bytes:
    """A roster as Vietnamese offices save it from Excel: UTF-8 with BOM, ``;``."""
    lines = [";".join(HEADER)]
    for n, p in enumerate(people, start=1):
        lines.append(";".join([str(n), p.full_name, p.dob, p.unit, p.position, p.email,
                               p.username]))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def roster_xlsx(people: list[Person], bad_row: int | None = None) -> bytes:
    """A roster workbook with a title row; ``bad_row`` (index) gets :data:`BAD_DATE`."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append([f"DANH SÁCH HỌC VIÊN LỚP {NEW_CLASS}"])
    sheet.append(HEADER)
    for n, p in enumerate(people, start=1):
        dob = BAD_DATE if bad_row == n - 1 else p.dob
        sheet.append([n, p.full_name, dob, p.unit, p.position, p.email, p.username or None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: Imported through the question bank's upload form (its own category: no quiz draws it).
GIFT_IMPORT = """\
$CATEGORY: $course$/top/e2e-nhap-tep

::e2e-nhap-01:: Luật Cơ yếu số 05/2011/QH13 được Quốc hội thông qua vào năm nào? {
\t=2011#Đúng.
\t~2015#Chưa đúng.
\t~2018#Chưa đúng.
}

::e2e-nhap-02:: Ngày truyền thống của ngành Cơ yếu Việt Nam là ngày 12/09/1945. {T}
""".encode()

GIFT_EDITOR_NAME = "e2e-soan-01"
GIFT_EDITOR_SOURCE = ("Cơ quan nào thống nhất quản lý nhà nước về cơ yếu? "
                      "{=Chính phủ#Đúng. ~Quốc hội#Chưa đúng. ~Bộ Công an#Chưa đúng.}")

QUIZ_TITLE = "Kiểm tra nhanh E2E: ngân hàng câu hỏi"
QUIZ_SLUG = "kiem-tra-nhanh-e2e"

LESSON_ONE = "khai-niem-vi-tri-vai-tro"
WEB_EDIT = "Đoạn bổ sung của giảng viên trên web, giữ qua mọi lần khởi động lại."
LESSON_TITLE = "Bài bổ sung: Ôn tập kiểm thử E2E"
LESSON_HEADING = "Tóm tắt nội dung ôn tập"
LESSON_BODY = (f"# {LESSON_HEADING}\n\nNội dung **ôn tập** về quản lý nhà nước về cơ yếu.\n\n"
               "- Luật Cơ yếu số 05/2011/QH13\n- Nghị quyết số 56-NQ/TW\n")


@dataclass(frozen=True)
class Key:
    """The right answer of one slot, as the learner gives it in the page."""

    type: str
    value: Any


def _right_answer(kind: str, data: dict[str, Any]) -> Any:
    """The response scoring full marks, from a question version's ``data``
    (shapes: lms/quizzes/types.py)."""
    answers = data.get("answers", [])
    if kind == "single_choice":
        return max(answers, key=lambda a: a["fraction"])["id"]
    if kind == "multiple_choice":
        return [a["id"] for a in answers if a["fraction"] > 0]
    if kind == "true_false":
        return bool(data["correct"])
    if kind == "short_answer":
        return next(a["text"] for a in answers if a["fraction"] >= 1 and "*" not in a["text"])
    if kind == "numerical":
        best = next(a for a in answers if a["fraction"] >= 1)
        value = best.get("value")
        if value is None:
            value = (best["low"] + best["high"]) / 2
        return f"{value:g}"
    raise AssertionError(f"no answer strategy for question type {kind}")


def answer_keys(database_url: str, attempt_id: int, secret_key: str) -> dict[int, Key]:
    """Slot -> right answer, read from the database the server uses, in the attempt's
    opaque option ids (worked out with the server's secret, as the server does)."""
    from lms.quizzes.option_ids import derive_key, slot_ids

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT s.slot, v.type, v.data FROM attempt_slots s "
                "JOIN question_versions v ON v.id = s.question_version_id "
                "WHERE s.attempt_id = :id ORDER BY s.slot"), {"id": attempt_id}).all()
    finally:
        engine.dispose()
    keys = {}
    for slot, kind, data in rows:
        payload = json.loads(data) if isinstance(data, str) else data
        ids = slot_ids(attempt_id, slot, kind, payload, derive_key(secret_key))
        keys[slot] = Key(kind, ids.to_public(kind, _right_answer(kind, payload)))
    return keys


def credit_reading(database_url: str, username: str, lesson_slug: str) -> None:
    """Stand in for the minutes a reader spends on a lesson: the server counts reading
    time from its own heartbeat record, and a browser test cannot wait 23 minutes."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "UPDATE lesson_progress SET seconds_spent = seconds_spent + 86400 "
                "WHERE user_id = (SELECT id FROM users WHERE username = :u) AND lesson_id IN "
                "(SELECT id FROM lessons WHERE slug = :s)"), {"u": username, "s": lesson_slug})
    finally:
        engine.dispose()
