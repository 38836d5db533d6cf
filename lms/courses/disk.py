"""Whether the course files on disk differ from the database: the ``lms courses status``
summary, for the course page of editors.

The files are ``<LMS_COURSES_DIR>/<slug>/`` (by default ``courses/`` of the checkout). The
comparison runs when the page is asked for, once, and reads the database with a fixed
number of statements whatever the course's size (the export's queries and the bases).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lms.courses.files import CourseFilesError, load_course
from lms.courses.models import Course
from lms.courses.sync import plan_import
from lms.courses.sync_state import (
    CONFLICT,
    FILE_CHANGED,
    FILE_ONLY,
    FILE_REMOVED,
    UNCHANGED,
    WEB_CHANGED,
    WEB_ONLY,
    WEB_REMOVED,
)

#: The order the page lists the counts in (``lms courses status``'s words).
ORDER = (CONFLICT, FILE_CHANGED, FILE_ONLY, FILE_REMOVED, WEB_CHANGED, WEB_ONLY, WEB_REMOVED)


@dataclass(frozen=True)
class DiskSummary:
    """What an import of the files would do, counted by status."""

    path: str
    counts: dict[str, int] = field(default_factory=dict)
    #: ``file:line: reason`` of broken files (then nothing is compared).
    problems: tuple[str, ...] = ()

    @property
    def differs(self) -> bool:
        return bool(self.problems) or any(k != UNCHANGED for k in self.counts)

    def listed(self) -> list[tuple[str, int]]:
        return [(k, self.counts[k]) for k in ORDER if self.counts.get(k)]


def disk_summary(course: Course, courses_dir: str | None) -> DiskSummary | None:
    """The comparison of the course's files with the database, or ``None`` when there are
    no files for it (no directory configured, or none for its slug)."""
    if not courses_dir:
        return None
    root = Path(courses_dir) / course.slug
    if not (root / "course.toml").is_file():
        return None
    try:
        files = load_course(root)
        if files.slug != course.slug:
            return None
        plans = plan_import(course, files)
    except CourseFilesError as exc:
        return DiskSummary(str(root), problems=tuple(str(exc).splitlines()[:5]))
    return DiskSummary(str(root), dict(Counter(plan.status for plan in plans)))
