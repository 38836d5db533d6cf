"""Course content as files (Open edX OLX-style): read, validate and write a course directory.

Pure functions over files: no Flask app, no database.  Messages go through Flask-Babel's
``gettext`` like :mod:`lms.quizzes.gift`; outside a request they stay in English.

Layout of ``courses/<slug>/``
=============================

``course.toml``
    ``slug`` (the directory's name), ``title``, ``description`` (optional), ``version``,
    ``language``, ``lecturers_note`` (optional) and a ``[completion]`` table with
    ``lessons = "all"`` or an array of lesson slugs, and ``quizzes``, an array of
    ``{ slug = "…", pass_mark10 = 5.0 }``.
``lessons/NN-<slug>.md``
    A TOML front matter between two lines that are exactly ``+++`` with ``title``,
    ``minutes`` (a positive integer: the estimated reading time) and ``objectives`` (an
    array of strings), then the Markdown body.  ``NN`` (two or more digits) orders the
    lessons; ``<slug>`` is ``[a-z0-9]+`` words joined by single ``-``.  Links and images to
    ``attachments/<name>`` or ``../attachments/<name>`` must name an existing attachment.
``questions/<name>.gift`` or ``questions/<name>.xml``
    Question banks in GIFT or Moodle XML (for what GIFT cannot hold: embedded files,
    hints), listed (path and text) but parsed by :mod:`lms.quizzes.bankfile`.
``quizzes/<slug>.toml``
    ``title``, ``attempts`` (0 = unlimited), ``pass_mark10`` (0 to 10) and ``grading``
    (``highest``, ``last``, ``first`` or ``average``) are required; optional are
    ``time_limit`` (untimed when absent), ``shuffle_questions`` and ``shuffle_options``
    (false), ``on_expiry`` (``autosubmit`` — the default —, ``grace`` or ``abandon``),
    ``opens``/``closes`` (naive local time as a string ``"YYYY-MM-DDTHH:MM"``), ``questions``
    (names of fixed questions), ``draw`` (``{ category = "bai-01", count = 4 }`` rules, with
    an optional ``mark = 2.0``, what each question drawn is worth; the GIFT importer checks
    that the categories exist), ``published`` (true; ``false`` hides the quiz from learners),
    a ``[marks]`` table giving fixed questions a mark each (``"b01-q09" = 2.0``; unlisted
    questions are worth their type's default, 1) and a ``[review]`` table whose keys
    ``during``, ``immediately``, ``later`` and ``after_close`` list what the learner sees then
    (``score``, ``correctness``, ``right_answer``, ``feedback``; nothing when absent).  A quiz
    needs ``questions`` or ``draw``.
``attachments/<name>``
    At most 20 MB each, named with letters, digits, ``.``, ``_`` and ``-``, and of an allowed
    type judged by content (:func:`sniff_content_type`).

Hidden entries (names starting with ``.``) are ignored; anything else outside this layout,
sub-directories inside its folders and symbolic links are problems.

Durations
=========

``time_limit`` is a string of ``h``, ``m`` and ``s`` parts in that order: ``"30m"``,
``"1h30m"``, ``"90s"``, ``"1h5m30s"``; from 1 second to 24 hours.  A bare number (``45`` or
``"45"``) is refused, since it does not say minutes or seconds.  Lesson ``minutes`` is a
plain integer because its unit is in its name.

Reading
=======

:func:`load_course` decodes every text file as UTF-8 (a leading BOM dropped, CRLF turned into
LF) and NFC-normalises it.  It checks everything and raises one :class:`CourseFilesError`
listing every :class:`Problem` (``path:line: reason``, the path starting with the course
directory's name, sorted by path then line; line 1 for problems about a whole file).  Unknown
keys are problems (typo protection, with a "did you mean" hint).  A problem in one file does
not hide those of others; a lesson whose content is broken still counts, by its file name,
for the completion rules.

Canonical form (what :func:`dump_course` writes)
================================================

* UTF-8 without BOM, LF line ends, a final newline after TOML documents.
* Keys in a fixed order: ``course.toml`` as listed above, then a blank line and
  ``[completion]`` (``lessons``, ``quizzes``); lesson front matter ``title``, ``minutes``,
  ``objectives``; quizzes ``title``, ``time_limit``, ``attempts``, ``pass_mark10``,
  ``grading``, ``shuffle_questions``, ``shuffle_options``, ``on_expiry``, ``published``
  (only when false), ``opens``, ``closes``, ``questions``, ``draw``, then a blank line and
  ``[marks]`` (when a fixed question has one, in ``questions`` order), then a blank line
  and ``[review]`` with all four keys.
  Optional quiz keys that are unset (``None``) or empty arrays are left out; every other key
  is written, defaults included.
* Strings are TOML basic strings (``"…"``) with only ``"``, ``\\`` and control characters
  escaped (short escapes ``\\t``, ``\\n``… where TOML has one, else ``\\uXXXX``); all other
  characters, Vietnamese included, are written as themselves.
* ``description`` and ``lecturers_note`` are multi-line basic strings: ``\"\"\"``, a newline,
  the text wrapped greedily at spaces into lines of at most 100 characters ending in
  `` \\`` (TOML's line-ending backslash, so the value keeps no line breaks it did not have),
  real newlines kept, and ``\"\"\"`` right after the last character.
* Arrays are one element per line (two-space indent, trailing comma) and ``[]`` when empty —
  objectives, completion lessons and quizzes, quiz questions and draw rules, the latter two
  as inline tables ``{ key = value, … }`` — except the short ``[review]`` lists, written on
  one line in the order score, correctness, right_answer, feedback.
* Numbers: integers in decimal, ``pass_mark10`` as Python's ``repr`` of the float (``5.0``);
  durations as their shortest ``h``/``m``/``s`` spelling (``5400`` → ``"1h30m"``).
* A lesson is ``+++``, its front matter, ``+++``, one blank line, then the body exactly as
  loaded (the body excludes that blank line); with an empty body the file ends after the
  closing ``+++``.
* Questions are written back as loaded, attachments byte for byte.

``dump_course`` writes into a missing or empty directory; ``replace=True`` swaps a complete
new directory in for an existing one instead (nothing stale survives, and a failure leaves
the old one untouched).

``dump_course(load_course(d), out)`` gives ``load_course(out) == load_course(d)`` for every
valid ``d`` (``LessonFile.body_line`` and ``AttachmentFile.data`` take no part in ``==``),
and the same bytes as ``d`` when ``d`` is canonical.
"""

from __future__ import annotations

from lms.courses.files_dump import dump_course
from lms.courses.files_load import load_course
from lms.courses.files_model import (
    AttachmentFile,
    CompletionPolicy,
    CourseFiles,
    CourseFilesError,
    DrawRule,
    LessonFile,
    Problem,
    QuestionFile,
    QuizFile,
    QuizRequirement,
    ReviewOptions,
    format_duration,
    lesson_path,
    parse_duration,
    quiz_path,
)
from lms.courses.files_sniff import MAX_ATTACHMENT_BYTES, sniff_content_type

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "AttachmentFile",
    "CompletionPolicy",
    "CourseFiles",
    "CourseFilesError",
    "DrawRule",
    "LessonFile",
    "Problem",
    "QuestionFile",
    "QuizFile",
    "QuizRequirement",
    "ReviewOptions",
    "dump_course",
    "format_duration",
    "lesson_path",
    "load_course",
    "parse_duration",
    "quiz_path",
    "sniff_content_type",
]
