"""``lms questions import/export``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes.models import Question
from tests.conftest import make_course

DATA = Path(__file__).parent / "data"


def _count() -> int:
    return db.session.scalar(select(func.count(Question.id)))


def test_import_counts_types_and_dry_run_changes_nothing(runner) -> None:
    make_course("ql")
    db.session.commit()  # the dry run rolls back to here, as the CLI's own transaction would
    dry = runner.invoke(args=["questions", "import", str(DATA / "rich.gift"), "--course", "ql",
                              "--dry-run"])
    assert dry.exit_code == 0 and "single_choice: 3" in dry.output and _count() == 0
    real = runner.invoke(args=["questions", "import", str(DATA / "rich.gift"), "--course", "ql"])
    assert real.exit_code == 0 and _count() == 13
    again = runner.invoke(args=["questions", "import", str(DATA / "rich.gift"), "--course", "ql"])
    assert "unchanged 13" in again.output and _count() == 13


def test_moodle_xml_goes_through_the_same_importer(runner) -> None:
    make_course("ql")
    result = runner.invoke(args=["questions", "import", str(DATA / "sample.xml"), "--course",
                                 "ql"])
    assert result.exit_code == 0, result.output
    assert _count() > 0


def test_invalid_gift_names_file_and_line_and_imports_nothing(runner, tmp_path: Path) -> None:
    make_course("ql")
    bad = tmp_path / "bad.gift"
    bad.write_text("::a::Câu đúng {=A ~B}\n\n::b::Câu hỏng {=A ~B\n", encoding="utf-8")
    result = runner.invoke(args=["questions", "import", str(bad), "--course", "ql"])
    assert result.exit_code != 0
    assert f"{bad}:3:" in result.output
    assert _count() == 0


def test_export_gift_and_json(runner) -> None:
    make_course("ql")
    runner.invoke(args=["questions", "import", str(DATA / "rich.gift"), "--course", "ql"])
    gift = runner.invoke(args=["questions", "export", "--course", "ql"])
    assert gift.exit_code == 0 and "$CATEGORY" in gift.output
    js = runner.invoke(args=["questions", "export", "--course", "ql", "--format", "json"])
    import json

    assert len(json.loads(js.output)) == 13
