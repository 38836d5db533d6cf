"""Writing a course directory in canonical form; use :mod:`lms.courses.files` (documented
there)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from lms.courses import files_toml as toml
from lms.courses.files_model import (
    BANK_EXTENSIONS,
    DATETIME_FORMAT,
    FILE_NAME_RE,
    LESSON_NAME_RE,
    REVIEW_ITEMS,
    REVIEW_TIMES,
    SLUG_RE,
    CourseFiles,
    LessonFile,
    QuizFile,
    format_duration,
    quiz_path,
)


def dump_course(course: CourseFiles, dest: Path, *, replace: bool = False) -> None:
    """Write ``course`` into the directory ``dest`` in canonical form: questions verbatim,
    attachments byte for byte.

    ``dest`` must not exist or be empty, unless ``replace`` is true: the course is then
    written into a new sibling directory that takes the place of ``dest`` once complete, and
    the old ``dest`` (hidden files included) is deleted, so no stale file survives and a
    failure leaves ``dest`` as it was.

    :raises ValueError: if a name or path of ``course`` is not a valid file name of the
        layout (nothing is written outside ``dest``), two files would share a path, or an
        attachment's ``data`` does not match its ``size`` and ``sha256``; nothing is written.
    :raises FileExistsError: if ``dest`` is a file, or a non-empty directory and ``replace``
        is false.
    """
    files = _render(course)
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise FileExistsError(f"{dest} exists and is not a directory")
    if not dest.exists() or not any(dest.iterdir()):
        _write(files, dest)
        return
    if not replace:
        raise FileExistsError(f"{dest} exists and is not empty (use replace=True)")
    fresh = Path(tempfile.mkdtemp(prefix=f".{dest.name}.new-", dir=dest.parent))
    old = fresh.with_name(fresh.name.replace(".new-", ".old-", 1))
    try:
        _write(files, fresh)
        dest.rename(old)
        try:
            fresh.rename(dest)
        except BaseException:
            old.rename(dest)
            raise
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    shutil.rmtree(old)


def _write(files: dict[str, bytes], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for relative, data in files.items():
        path = dest / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _render(course: CourseFiles) -> dict[str, bytes]:
    """Every file of the course by relative path, after checking all names."""
    if not SLUG_RE.fullmatch(course.slug):
        raise ValueError(f"invalid course slug {course.slug!r}")
    files: dict[str, bytes] = {"course.toml": render_course_toml(course).encode()}
    if course.legal is not None:
        from lms.legal.registry import render_registry

        files["legal.toml"] = render_registry(course.legal).encode()

    def add(path: str, data: bytes) -> None:
        if path in files:
            raise ValueError(f"two files would be written to {path}")
        files[path] = data

    for lesson in course.lessons:
        match = LESSON_NAME_RE.fullmatch(lesson.path.removeprefix("lessons/"))
        if (
            not lesson.path.startswith("lessons/")
            or match is None
            or int(match["position"]) != lesson.position
            or match["slug"] != lesson.slug
        ):
            raise ValueError(
                f"lesson path {lesson.path!r} does not match its position "
                f"{lesson.position} and slug {lesson.slug!r}"
            )
        if any(other.slug == lesson.slug for other in course.lessons if other is not lesson):
            raise ValueError(f"duplicate lesson slug {lesson.slug!r}")
        add(lesson.path, render_lesson(lesson).encode())
    for question in course.questions:
        name = question.path.removeprefix("questions/")
        if not (
            question.path.startswith("questions/")
            and name.endswith(BANK_EXTENSIONS)
            and FILE_NAME_RE.fullmatch(name)
        ):
            raise ValueError(f"invalid question bank path {question.path!r}")
        add(question.path, question.text.encode())
    for quiz in course.quizzes:
        if not SLUG_RE.fullmatch(quiz.slug) or quiz.path != quiz_path(quiz.slug):
            raise ValueError(f"invalid quiz slug or path {quiz.slug!r}, {quiz.path!r}")
        add(quiz.path, render_quiz(quiz).encode())
    for attachment in course.attachments:
        if (
            not FILE_NAME_RE.fullmatch(attachment.name)
            or attachment.path != f"attachments/{attachment.name}"
        ):
            raise ValueError(f"invalid attachment name or path {attachment.path!r}")
        if (
            len(attachment.data) != attachment.size
            or hashlib.sha256(attachment.data).hexdigest() != attachment.sha256
        ):
            raise ValueError(f"the data of {attachment.path} does not match its size and sha256")
        add(attachment.path, attachment.data)
    return files


def render_course_toml(course: CourseFiles) -> str:
    """The canonical course.toml."""
    completion = course.completion
    if completion.lessons == "all":
        lessons = toml.string("all")
    else:
        lessons = toml.array_lines(map(toml.string, completion.lessons))
    quizzes = toml.array_lines(
        f"{{ slug = {toml.string(item.slug)}, pass_mark10 = {toml.number(item.pass_mark10)} }}"
        for item in completion.quizzes
    )
    return (
        f"slug = {toml.string(course.slug)}\n"
        f"title = {toml.string(course.title)}\n"
        f"description = {toml.multiline(course.description)}\n"
        f"version = {toml.string(course.version)}\n"
        f"language = {toml.string(course.language)}\n"
        f"lecturers_note = {toml.multiline(course.lecturers_note)}\n"
        "\n"
        "[completion]\n"
        f"lessons = {lessons}\n"
        f"quizzes = {quizzes}\n"
        + (f"min_read_share = {toml.number(completion.min_read_share)}\n"
           if completion.min_read_share is not None else "")
    )


def render_lesson(lesson: LessonFile) -> str:
    """The canonical lesson file: front matter, a blank line, the body (no blank line and no
    body when the body is empty)."""
    front = (
        "+++\n"
        f"title = {toml.string(lesson.title)}\n"
        f"minutes = {lesson.minutes:d}\n"
        f"objectives = {toml.array_lines(map(toml.string, lesson.objectives))}\n"
        + (f"legal = {toml.inline_array(map(toml.string, lesson.legal))}\n" if lesson.legal
           else "")
        + "+++\n"
    )
    return front + ("\n" + lesson.body if lesson.body else "")


def render_quiz(quiz: QuizFile) -> str:
    """The canonical quiz file (keys whose value is ``None`` or an empty array left out)."""
    lines = [f"title = {toml.string(quiz.title)}"]
    if quiz.time_limit_seconds is not None:
        lines.append(f"time_limit = {toml.string(format_duration(quiz.time_limit_seconds))}")
    lines += [
        f"attempts = {quiz.attempts:d}",
        f"pass_mark10 = {toml.number(quiz.pass_mark10)}",
        f"grading = {toml.string(quiz.grading)}",
        f"shuffle_questions = {_boolean(quiz.shuffle_questions)}",
        f"shuffle_options = {_boolean(quiz.shuffle_options)}",
        f"on_expiry = {toml.string(quiz.on_expiry)}",
    ]
    if not quiz.published:
        lines.append("published = false")
    for name, moment in (("opens", quiz.opens), ("closes", quiz.closes)):
        if moment is not None:
            lines.append(f"{name} = {toml.string(moment.strftime(DATETIME_FORMAT))}")
    if quiz.questions:
        lines.append(f"questions = {toml.array_lines(map(toml.string, quiz.questions))}")
    if quiz.draw:
        rules = (
            f"{{ category = {toml.string(rule.category)}, count = {rule.count:d}"
            + (f", mark = {toml.number(rule.mark)}" if rule.mark is not None else "")
            + " }"
            for rule in quiz.draw
        )
        lines.append(f"draw = {toml.array_lines(rules)}")
    if quiz.marks:
        lines += ["", "[marks]"]
        lines += [f"{toml.string(name)} = {toml.number(mark)}" for name, mark in quiz.marks]
    lines += ["", "[review]"]
    for time in REVIEW_TIMES:
        shown = getattr(quiz.review, time)
        if not shown <= set(REVIEW_ITEMS):
            raise ValueError(f"unknown review items in {quiz.path}: {sorted(shown)}")
        items = (toml.string(item) for item in REVIEW_ITEMS if item in shown)
        lines.append(f"{time} = {toml.inline_array(items)}")
    return "\n".join(lines) + "\n"


def _boolean(value: bool) -> str:
    return "true" if value else "false"
