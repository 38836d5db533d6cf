"""Writing courses with dump_course: destinations, refusals, code-built courses, round trips."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.courses.files import (
    CompletionPolicy,
    CourseFiles,
    QuizRequirement,
    ReviewOptions,
    dump_course,
    lesson_path,
    load_course,
)
from tests.courses.conftest import (
    COURSE,
    EVERYTHING,
    FIXTURE,
    HYPOTHESIS,
    QUIZ,
    TEXTS,
    files_of,
)

NONBLANK = TEXTS.filter(lambda s: s.strip() != "")
BODIES = TEXTS.map(lambda s: s.replace("\r\n", "\n")).filter(lambda s: "attachments/" not in s)


def test_dump_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "old.md").write_text("x")
    with pytest.raises(FileExistsError):
        dump_course(load_course(FIXTURE), tmp_path / "x")


def test_dump_replaces_a_directory_only_when_asked(tmp_path: Path) -> None:
    dest = tmp_path / "khoa-mau"
    shutil.copytree(FIXTURE, dest)
    (dest / "lessons" / "09-cu.md").write_text("stale")
    course = load_course(FIXTURE)

    with pytest.raises(FileExistsError):
        dump_course(course, dest)
    with pytest.raises(ValueError, match="invalid course slug"):
        dump_course(dataclasses.replace(course, slug="../x"), dest, replace=True)
    assert (dest / "lessons" / "09-cu.md").exists()
    dump_course(course, dest, replace=True)

    assert files_of(dest) == files_of(FIXTURE)
    assert [path.name for path in tmp_path.iterdir()] == ["khoa-mau"]


def test_dump_refuses_a_file_as_destination(tmp_path: Path) -> None:
    (tmp_path / "khoa-mau").write_text("x")
    with pytest.raises(FileExistsError):
        dump_course(load_course(FIXTURE), tmp_path / "khoa-mau", replace=True)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: dataclasses.replace(c, quizzes=(c.quizzes[0], c.quizzes[0])),
        lambda c: dataclasses.replace(
            c,
            lessons=(
                c.lessons[0],
                dataclasses.replace(
                    c.lessons[1], slug=c.lessons[0].slug, path="lessons/02-gioi-thieu.md"
                ),
            ),
        ),
        lambda c: dataclasses.replace(
            c,
            quizzes=(
                dataclasses.replace(
                    c.quizzes[0], slug="../../thoat", path="quizzes/../../thoat.toml"
                ),
            ),
        ),
        lambda c: dataclasses.replace(c, lessons=(dataclasses.replace(c.lessons[0], position=7),)),
        lambda c: dataclasses.replace(
            c, attachments=(dataclasses.replace(c.attachments[0], data=b"%PDF-1.4 khac"),)
        ),
        lambda c: dataclasses.replace(
            c,
            attachments=(
                dataclasses.replace(c.attachments[0], name="../x.pdf", path="attachments/../x.pdf"),
            ),
        ),
        lambda c: dataclasses.replace(c, slug="a/b"),
    ],
    ids=[
        "duplicate-quiz",
        "duplicate-lesson",
        "quiz-escape",
        "lesson-position",
        "attachment-data",
        "attachment-escape",
        "course-slug",
    ],
)
def test_dump_refuses_inconsistent_courses(
    tmp_path: Path, change: Callable[[CourseFiles], CourseFiles]
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        dump_course(change(load_course(FIXTURE)), tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "thoat.toml").exists()


def test_dump_of_course_built_in_code(tmp_path: Path) -> None:
    course = load_course(FIXTURE)
    lesson = dataclasses.replace(
        course.lessons[0],
        position=12,
        body="",
        path=lesson_path(12, "gioi-thieu"),
        objectives=(),
        title='Tab\there "quoted" \\ back',
    )
    changed = dataclasses.replace(
        course,
        lessons=(lesson,),
        attachments=(),
        description="",
        lecturers_note='Dòng một\n\n  dòng ba có """ ba ngoặc\n',
        completion=CompletionPolicy(("gioi-thieu",), ()),
        quizzes=tuple(
            dataclasses.replace(
                quiz,
                questions=(),
                time_limit_seconds=3661,
                opens=datetime(2026, 1, 2, 3, 4),
                closes=None,
            )
            for quiz in course.quizzes
        ),
    )
    changed = dataclasses.replace(
        changed,
        lessons=tuple(
            dataclasses.replace(
                one, body=one.body.replace("Xem [bài giảng](attachments/bai-giang.pdf).", "")
            )
            for one in changed.lessons
        ),
    )
    out = tmp_path / "khoa-mau"

    dump_course(changed, out)

    assert load_course(out) == changed
    text = (out / "lessons" / "12-gioi-thieu.md").read_text(encoding="utf-8")
    assert text == (
        '+++\ntitle = "Tab\\there \\"quoted\\" \\\\ back"\nminutes = 20\nobjectives = []\n+++\n'
    )
    quiz = (out / QUIZ).read_text(encoding="utf-8")
    assert 'time_limit = "1h1m1s"' in quiz and 'opens = "2026-01-02T03:04"' in quiz
    assert "\nquestions =" not in quiz and "\ncloses =" not in quiz
    assert 'lessons = [\n  "gioi-thieu",\n]\nquizzes = []\n' in (out / COURSE).read_text()


@HYPOTHESIS
@given(
    title=NONBLANK,
    objectives=st.lists(NONBLANK, max_size=3, unique=True),
    body=BODIES,
    description=TEXTS,
    note=TEXTS,
    minutes=st.integers(1, 10**6),
    mark=st.floats(0, 10),
    limit=st.integers(1, 86400),
    review=st.sets(st.sampled_from(sorted(EVERYTHING))),
)
def test_round_trip_property(
    course_dir: Path,
    title: str,
    objectives: list[str],
    body: str,
    description: str,
    note: str,
    minutes: int,
    mark: float,
    limit: int,
    review: frozenset[str],
) -> None:
    course = load_course(FIXTURE)
    lesson = dataclasses.replace(
        course.lessons[1], title=title, objectives=tuple(objectives), body=body, minutes=minutes
    )
    quiz = dataclasses.replace(
        course.quizzes[0],
        title=title,
        pass_mark10=mark,
        time_limit_seconds=limit,
        questions=(title,),
        review=ReviewOptions(later=frozenset(review)),
    )
    changed = dataclasses.replace(
        course,
        description=description,
        lecturers_note=note,
        lessons=(course.lessons[0], lesson),
        quizzes=(quiz, course.quizzes[1]),
        completion=CompletionPolicy(("noi-dung",), (QuizRequirement("cuoi-khoa", mark),)),
    )
    out = course_dir.parent / "out" / "khoa-mau"
    shutil.rmtree(out.parent, ignore_errors=True)

    dump_course(changed, out)
    loaded = load_course(out)
    again = out.parent.parent / "again" / "khoa-mau"
    shutil.rmtree(again.parent, ignore_errors=True)
    dump_course(loaded, again)

    assert loaded == changed
    assert files_of(again) == files_of(out)
