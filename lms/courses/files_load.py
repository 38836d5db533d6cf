"""Reading and validating a course directory; use :mod:`lms.courses.files` (documented there)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Final

from flask_babel import gettext as _

from lms.courses.files_check import Report, Table, decode, parse_toml
from lms.courses.files_model import (
    BANK_EXTENSIONS,
    FILE_NAME_RE,
    LESSON_NAME_RE,
    SLUG_RE,
    AttachmentFile,
    CompletionPolicy,
    CourseFiles,
    CourseFilesError,
    LessonFile,
    Problem,
    QuestionFile,
    QuizFile,
    QuizRequirement,
)
from lms.courses.files_parse import read_lesson, read_quiz
from lms.courses.files_sniff import EXTENSIONS, MAX_ATTACHMENT_BYTES, detect_content_type
from lms.courses.files_toml import KeyLines
from lms.courses.files_toml import Path as KeyPath
from lms.legal.model import Registry
from lms.legal.registry import FILE_NAME as LEGAL_FILE
from lms.legal.registry import read_registry

LAYOUT: Final = {
    "course.toml": False,
    LEGAL_FILE: False,
    "lessons": True,
    "questions": True,
    "quizzes": True,
    "attachments": True,
}
"""The entries of a course directory, and whether each is a directory."""
COURSE_KEYS: Final = (
    "slug",
    "title",
    "description",
    "version",
    "language",
    "lecturers_note",
    "completion",
)
"""course.toml keys in their canonical order."""


def load_course(root: Path) -> CourseFiles:
    """Read and validate the course directory ``root``.

    :raises CourseFilesError: listing every problem found, in file order.
    """
    return _Loader(root).run()


class _Loader:
    """One pass over a course directory, gathering every problem before raising."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = root.resolve().name
        self.problems: list[Problem] = []
        self.lessons_by_slug: dict[str, str] = {}
        self.lessons_by_position: dict[int, str] = {}
        self.quiz_slugs: set[str] = set()
        self.attachment_names: set[str] = set()
        self.legal_numbers: frozenset[str] = frozenset()

    def report(self, relative: str, keys: KeyLines | None = None) -> Report:
        return Report(self.problems, f"{self.name}/{relative}", keys)

    def run(self) -> CourseFiles:
        if not self.root.is_dir():
            self.report("").line(1, _("not a course directory"))
            raise CourseFilesError(self.problems)
        self._check_layout()
        attachments = [self._attachment(*item) for item in self._files("attachments")]
        legal = self._legal()
        self.legal_numbers = legal.numbers if legal is not None else frozenset()
        lessons = [self._lesson(*item) for item in self._files("lessons")]
        questions = [self._question(*item) for item in self._files("questions")]
        quizzes = [self._quiz(*item) for item in self._files("quizzes")]
        meta = self._course_toml()
        if self.problems or meta is None:
            self.problems.sort(key=lambda problem: (problem.path, problem.line))
            raise CourseFilesError(self.problems)
        return CourseFiles(
            **meta,
            lessons=tuple(sorted(filter(None, lessons), key=lambda lesson: lesson.position)),
            questions=tuple(filter(None, questions)),
            quizzes=tuple(filter(None, quizzes)),
            attachments=tuple(filter(None, attachments)),
            legal=legal,
        )

    def _check_layout(self) -> None:
        for entry in sorted(self.root.iterdir()):
            report = self.report(entry.name)
            if entry.name.startswith("."):
                continue
            if entry.name not in LAYOUT:
                report.line(
                    1,
                    _(
                        "unexpected “%(name)s”: a course directory holds course.toml, "
                        "legal.toml, lessons/, questions/, quizzes/ and attachments/ only",
                        name=entry.name,
                    ),
                )
            elif entry.is_symlink():
                report.line(1, _("symbolic links are not allowed"))
            elif entry.is_dir() != LAYOUT[entry.name]:
                report.line(
                    1, _("must be a directory") if LAYOUT[entry.name] else _("must be a file")
                )

    def _files(self, folder: str) -> list[tuple[str, Path]]:
        """``(relative path, path)`` of the regular files of a sub-directory, by name;
        dot-files are ignored."""
        directory = self.root / folder
        if directory.is_symlink() or not directory.is_dir():
            return []
        out = []
        for entry in sorted(directory.iterdir()):
            relative = f"{folder}/{entry.name}"
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                self.report(relative).line(1, _("symbolic links are not allowed"))
            elif not entry.is_file():
                self.report(relative).line(1, _("sub-directories are not allowed here"))
            else:
                out.append((relative, entry))
        return out

    def _read(self, path: Path, report: Report) -> bytes | None:
        try:
            return path.read_bytes()
        except OSError as error:
            report.line(1, _("cannot read the file: %(error)s", error=error.strerror or error))
            return None

    def _text(self, relative: str, path: Path) -> str | None:
        report = self.report(relative)
        data = self._read(path, report)
        return None if data is None else decode(data, report)

    def _lesson(self, relative: str, path: Path) -> LessonFile | None:
        report = self.report(relative)
        match = LESSON_NAME_RE.fullmatch(path.name)
        if match is None:
            report.line(
                1,
                _(
                    "a lesson file name must be NN-slug.md: two or more digits (the "
                    "order), “-”, then a slug of a-z, 0-9 and single “-”"
                ),
            )
            return None
        position, slug = int(match["position"]), match["slug"]
        if slug in self.lessons_by_slug:
            report.line(
                1,
                _(
                    "duplicate lesson slug “%(slug)s”: %(other)s has it too",
                    slug=slug,
                    other=self.lessons_by_slug[slug],
                ),
            )
        if position in self.lessons_by_position:
            report.line(
                1,
                _(
                    "duplicate lesson position %(position)d: %(other)s has it too",
                    position=position,
                    other=self.lessons_by_position[position],
                ),
            )
        self.lessons_by_slug.setdefault(slug, relative)
        self.lessons_by_position.setdefault(position, relative)
        text = self._text(relative, path)
        if text is None:
            return None
        return read_lesson(self.problems, report.path, text, position, slug, self.attachment_names,
                           self.legal_numbers)

    def _legal(self) -> Registry | None:
        """``legal.toml`` if the course has one (reported and ``None`` if broken)."""
        path = self.root / LEGAL_FILE
        if not path.is_file() or path.is_symlink():
            return None  # absent, or reported by _check_layout
        text = self._text(LEGAL_FILE, path)
        return None if text is None else read_registry(self.problems, self.report(
            LEGAL_FILE).path, text)

    def _question(self, relative: str, path: Path) -> QuestionFile | None:
        if not (path.name.endswith(BANK_EXTENSIONS) and FILE_NAME_RE.fullmatch(path.name)):
            self.report(relative).line(
                1,
                _(
                    "a question bank must be a .gift (GIFT) or .xml (Moodle XML) file named "
                    "with letters, digits, “.”, “_” and “-”"
                ),
            )
            return None
        text = self._text(relative, path)
        return None if text is None else QuestionFile(relative, text)

    def _quiz(self, relative: str, path: Path) -> QuizFile | None:
        slug = path.name.removesuffix(".toml")
        if not path.name.endswith(".toml") or not SLUG_RE.fullmatch(slug):
            self.report(relative).line(
                1, _("a quiz file name must be <slug>.toml, with a slug of a-z, 0-9 and single “-”")
            )
            return None
        self.quiz_slugs.add(slug)
        text = self._text(relative, path)
        if text is None:
            return None
        return read_quiz(self.problems, self.report(relative).path, text, slug)

    def _attachment(self, relative: str, path: Path) -> AttachmentFile | None:
        self.attachment_names.add(path.name)
        report = self.report(relative)
        if not FILE_NAME_RE.fullmatch(path.name):
            report.line(
                1,
                _(
                    "an attachment name may only use letters, digits, “.”, “_” and "
                    "“-”, and must start with a letter or digit"
                ),
            )
            return None
        size = path.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            report.line(
                1,
                _(
                    "the file is larger than the %(mb)d MB limit (%(size)d bytes)",
                    mb=MAX_ATTACHMENT_BYTES // 2**20,
                    size=size,
                ),
            )
            return None
        data = self._read(path, report)
        if data is None:
            return None
        content_type = detect_content_type(data, path.name)
        if content_type is None:
            report.line(
                1,
                _(
                    "this type of file is not allowed: attachments must be PDF, PNG, "
                    "JPEG, GIF, WebP, Word, Excel or PowerPoint (docx, xlsx, pptx) or "
                    "UTF-8 text (txt, csv), judged by their content"
                ),
            )
            return None
        if not path.name.lower().endswith(EXTENSIONS[content_type]):
            report.line(
                1,
                _(
                    "the content is %(type)s but the name does not end in %(ext)s",
                    type=content_type.split(";")[0],
                    ext=" or ".join(EXTENSIONS[content_type]),
                ),
            )
            return None
        return AttachmentFile(
            path.name, relative, size, hashlib.sha256(data).hexdigest(), content_type, data
        )

    def _course_toml(self) -> dict[str, Any] | None:
        path = self.root / "course.toml"
        if not path.exists() and not path.is_symlink():
            self.report("course.toml").line(
                1, _("missing file: a course directory needs a course.toml")
            )
            return None
        if path.is_symlink() or not path.is_file():
            return None  # reported by _check_layout
        report = self.report("course.toml")
        text = self._text("course.toml", path)
        data = None if text is None else parse_toml(text, report)
        if data is None or text is None:
            return None
        report.keys = KeyLines(text)
        table = Table(report, data, (), COURSE_KEYS)
        slug = table.get("slug", "string")
        if slug is not None and slug != self.name:
            report.at(
                ("slug",),
                _(
                    "slug “%(slug)s” differs from the directory name “%(name)s”",
                    slug=slug,
                    name=self.name,
                ),
            )
            slug = None
        meta = {
            "slug": slug,
            "title": table.text("title"),
            "description": table.text("description", required=False),
            "version": table.text("version"),
            "language": table.text("language"),
            "lecturers_note": table.text("lecturers_note", required=False),
            "completion": self._completion(table),
        }
        return None if None in meta.values() else meta

    def _completion(self, course: Table) -> CompletionPolicy | None:
        data = course.get("completion", "table")
        if data is None:
            return None
        table = Table(course.report, data, ("completion",),
                      ("lessons", "quizzes", "min_read_share"))

        def known_lesson(key: KeyPath, slug: str) -> bool:
            if slug in self.lessons_by_slug:
                return True
            table.report.at(
                key, _("no lesson “%(slug)s”: expected a file lessons/NN-%(slug)s.md", slug=slug)
            )
            return False

        lessons: Any
        if isinstance(data.get("lessons"), str):
            lessons = data["lessons"]
            if lessons != "all":
                table.report.at(
                    ("completion", "lessons"),
                    _("“completion.lessons” must be “all” or an array of lesson slugs"),
                )
                lessons = None
        else:
            lessons = table.strings("lessons", known_lesson)
        quizzes, seen = [], set()
        entries = table.tables("quizzes", ("slug", "pass_mark10"))
        for entry in entries or ():
            slug, mark = entry.text("slug"), entry.mark10()
            if slug in seen:
                entry.report.at(entry.key, _("quiz “%(slug)s” is listed twice", slug=slug))
            elif slug is not None and slug not in self.quiz_slugs:
                entry.report.at(
                    (*entry.key, "slug"),
                    _("no quiz “%(slug)s”: expected a file quizzes/%(slug)s.toml", slug=slug),
                )
            elif slug is not None and mark is not None:
                quizzes.append(QuizRequirement(slug, mark))
            seen.add(slug)
        ok = entries is not None and len(quizzes) == len(data.get("quizzes", ()))
        share = table.get("min_read_share", "number", required=False)
        if share is not None and not 0 <= share <= 1:
            table.report.at(("completion", "min_read_share"),
                            _("“completion.min_read_share” must be between 0 and 1, not "
                              "%(value)s", value=share))
            ok = False
        if lessons is None or not ok:
            return None
        return CompletionPolicy(lessons, tuple(quizzes),
                                None if share is None else float(share))
