"""Citations in course files (issue 13): lessons cite documents in their front matter
(``legal = [...]``), questions by a tag ``legal:<number>``; a citation of a number that
``legal.toml`` does not list is refused at its ``file:line``; the registry round-trips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.courses.files import CourseFilesError, dump_course, load_course
from tests.conftest import shipped_copy as _shipped_copy
from tests.legal.test_registry import GOOD


def shipped_copy(tmp_path: Path) -> Path:
    """The shipped course without its own citations (the tests give theirs)."""
    root = _shipped_copy(tmp_path)
    for lesson in (root / "lessons").glob("*.md"):
        text = lesson.read_text(encoding="utf-8")
        lesson.write_text(re.sub(r"^legal = \[[^\]]*\]\n", "", text, count=1, flags=re.M),
                          encoding="utf-8")
    for bank in (root / "questions").glob("*.gift"):
        text = re.sub(r" ?\[tag:legal:[^\]]*\]", "", bank.read_text(encoding="utf-8"))
        bank.write_text(re.sub(r"^//\n", "", text, flags=re.M), encoding="utf-8")
    return root


def first_id(bank: Path) -> str:
    """The ID number of the first question of a bank file."""
    return re.search(r"^// \[id:([^\]]+)\]", bank.read_text(encoding="utf-8"), re.M)[1]


def _cite(root: Path, numbers: str) -> Path:
    lesson = next((root / "lessons").glob("01-*.md"))
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(re.sub(r"^(minutes = \d+\n)", rf"\1legal = [{numbers}]\n", text,
                             count=1, flags=re.M), encoding="utf-8")
    return lesson


def test_lessons_cite_documents_and_the_registry_round_trips(tmp_path: Path) -> None:
    root = shipped_copy(tmp_path)
    (root / "legal.toml").write_text(GOOD, encoding="utf-8")
    _cite(root, '"117/2025/QH15", "29/2018/QH14"')
    course = load_course(root)
    assert course.lessons[0].legal == ("117/2025/QH15", "29/2018/QH14")
    assert course.legal is not None and course.legal.get("117/2025/QH15").kind == "Luật"
    out = tmp_path / "out" / root.name
    dump_course(course, out)
    assert (out / "legal.toml").read_text(encoding="utf-8").startswith("reviewed_on = ")
    assert load_course(out) == course


def test_a_citation_of_an_unlisted_number_is_refused_at_its_line(tmp_path: Path) -> None:
    root = shipped_copy(tmp_path)
    (root / "legal.toml").write_text(GOOD, encoding="utf-8")
    lesson = _cite(root, '"117/2025/QH15", "05/2011/QH13"')
    with pytest.raises(CourseFilesError) as caught:
        load_course(root)
    line = lesson.read_text(encoding="utf-8").split("\n").index(
        'legal = ["117/2025/QH15", "05/2011/QH13"]') + 1
    assert str(caught.value) == (f"{root.name}/lessons/{lesson.name}:{line}: cites "
                                 "“05/2011/QH13”, which legal.toml does not list")


def test_without_a_registry_any_citation_is_refused(tmp_path: Path) -> None:
    root = shipped_copy(tmp_path)
    (root / "legal.toml").unlink(missing_ok=True)
    _cite(root, '"05/2011/QH13"')
    with pytest.raises(CourseFilesError, match=r"legal\.toml does not list"):
        load_course(root)


def test_a_question_citing_an_unlisted_number_refuses_the_import(app, tmp_path: Path) -> None:
    from lms.courses.sync import import_course

    root = shipped_copy(tmp_path)
    (root / "legal.toml").write_text(GOOD, encoding="utf-8")
    bank = next((root / "questions").glob("01-*.gift"))
    text, key = bank.read_text(encoding="utf-8"), first_id(bank)
    bank.write_text(text.replace(f"// [id:{key}]\n",
                                 f"// [id:{key}]\n// [tag:legal:05/2011/QH13]\n", 1),
                    encoding="utf-8")
    with pytest.raises(CourseFilesError) as caught:
        import_course(root)
    line = bank.read_text(encoding="utf-8").split("\n").index(
        next(x for x in bank.read_text(encoding="utf-8").split("\n")
             if x.startswith(f"::{key}::"))) + 1
    assert f"{root.name}/questions/{bank.name}:{line}: " in str(caught.value)
    assert "05/2011/QH13" in str(caught.value)
