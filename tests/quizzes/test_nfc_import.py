"""Every question import path stores NFC text (issue 12): a bank typed on a Mac (NFD)
re-imports as the same questions, not as duplicates."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes.models import Question, QuestionVersion
from tests.conftest import make_course

BANK = """::Câu 1:: Ngày truyền thống ngành Cơ yếu? {=12/09/1945#Đúng rồi ~02/09/1945#Chưa đúng}

::Câu 2:: Luật Cơ yếu được thông qua năm nào? {#2011}

::Câu 3:: Mức độ mật cao nhất? {=Tuyệt mật}
"""


def _import(runner, path: Path) -> None:
    result = runner.invoke(args=["questions", "import", str(path), "--course", "ql"])
    assert result.exit_code == 0, result.output


def test_an_nfd_bank_reimports_as_the_same_questions(runner, tmp_path: Path) -> None:
    make_course("ql")
    db.session.commit()
    (tmp_path / "mac").mkdir()
    nfc, nfd = tmp_path / "bank.gift", tmp_path / "mac" / "bank.gift"  # the same bank
    nfc.write_text(BANK, encoding="utf-8")
    nfd.write_text(unicodedata.normalize("NFD", BANK), encoding="utf-8")
    assert unicodedata.normalize("NFD", BANK) != BANK
    _import(runner, nfc)
    _import(runner, nfd)
    assert db.session.scalar(select(func.count(Question.id))) == 3
    assert db.session.scalar(select(func.count(QuestionVersion.id))) == 3  # no new versions
    for version in db.session.scalars(select(QuestionVersion)):
        assert unicodedata.is_normalized("NFC", version.text)
        for answer in version.data.get("answers", []):
            assert unicodedata.is_normalized("NFC", answer["text"] + answer["feedback"])
    for question in db.session.scalars(select(Question)):
        assert unicodedata.is_normalized("NFC", question.name)
