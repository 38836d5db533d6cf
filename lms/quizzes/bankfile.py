"""A course's question-bank files: ``questions/<name>.gift`` (GIFT) or
``questions/<name>.xml`` (Moodle XML, for questions GIFT cannot hold: embedded files, hints,
combined feedback, an essay's template). The extension decides the format, both ways.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from lms.quizzes.gift import dump_gift, parse_gift_cached
from lms.quizzes.gift_dump import unwritable
from lms.quizzes.moodlexml import dump_moodle_xml, parse_moodle_xml
from lms.quizzes.parsed import ParsedQuestion

#: Longest name stem kept: ``questions/<stem>.gift`` fits the 200 characters of a path.
_MAX_STEM = 150


def is_xml(path: str) -> bool:
    return path.lower().endswith(".xml")


def bank_source(filename: str) -> str:
    """The bank file an uploaded or imported file's questions belong to:
    ``questions/<its name>.gift`` or ``.xml`` as it is Moodle XML, the name made safe."""
    stem, _dot, extension = filename.replace("\\", "/").rsplit("/", 1)[-1].rpartition(".")
    # Letters lose their marks (đ → d), anything else but . _ - becomes -; the result
    # starts with a letter or digit and fits the course file rule (FILE_NAME_RE).
    ascii_stem = "".join(c for c in unicodedata.normalize("NFD", stem or extension)
                         if unicodedata.category(c) != "Mn").replace("đ", "d").replace("Đ", "D")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem).strip("._-")[:_MAX_STEM].rstrip("._-")
    stem = stem or "upload"
    return f"questions/{stem}.xml" if extension.lower() == "xml" else f"questions/{stem}.gift"


def parse_bank(text: str, filename: str) -> Sequence[ParsedQuestion]:
    """The questions of a bank file, by its extension.

    :raises QuestionFormatError: ``file:line`` of each problem.
    """
    if is_xml(filename):
        return parse_moodle_xml(text.encode(), filename)
    return parse_gift_cached(text, filename)


def dump_bank(path: str, questions: Sequence[ParsedQuestion]) -> str:
    """The text of a bank file, in its extension's format."""
    return dump_moodle_xml(questions).decode() if is_xml(path) else dump_gift(questions)


def bank_path(path: str, questions: Sequence[ParsedQuestion]) -> str:
    """Where a bank is written: its own path, or the same name in ``.xml`` when GIFT cannot
    hold one of its questions (so that nothing is lost on export)."""
    if is_xml(path) or not any(unwritable(q) for q in questions):
        return path
    return path.rsplit(".", 1)[0] + ".xml"


#: What the GIFT editor cannot show of a question (Moodle XML holds it): kept as it was when
#: the question is edited in GIFT.
GIFT_LESS = ("files", "hints", "correct_feedback", "partially_correct_feedback",
             "incorrect_feedback", "show_num_correct", "response_template", "grader_info")


def gift_part(question: ParsedQuestion) -> tuple[ParsedQuestion, list[str]]:
    """The question without what GIFT cannot hold, and the names of what was left out."""
    blank = ParsedQuestion(type=question.type, text="")
    left = [k for k in GIFT_LESS if getattr(question, k) != getattr(blank, k)]
    return replace(question, **{k: getattr(blank, k) for k in left}), left


def carry_over(edited: ParsedQuestion, before: ParsedQuestion) -> ParsedQuestion:
    """``edited`` (from the GIFT editor) with what GIFT cannot hold kept from ``before``;
    an essay's template and grader notes only while it stays an essay."""
    kept = {k: getattr(before, k) for k in GIFT_LESS
            if k not in ("response_template", "grader_info") or edited.type == "essay"}
    return replace(edited, **kept)


def item_text(question: ParsedQuestion, files: dict[str, str] | None = None) -> str:
    """One question as the sync compares it: GIFT when GIFT can hold it, else Moodle XML;
    embedded files by name and content hash (``files``, default: of ``question.files``)."""
    from lms.quizzes.embedded import version_files

    hashes = version_files(question.files) if files is None else files
    bare = replace(question, files=[])
    text = dump_moodle_xml([bare]).decode() if unwritable(bare) else dump_gift([bare])
    return text + "".join(f"// file {name} sha256:{digest}\n"
                          for name, digest in sorted(hashes.items()))
