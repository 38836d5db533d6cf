"""GIFT question files, read and written the way Moodle's ``qformat_gift`` does.

:func:`parse_gift` reads what Moodle reads: paragraphs separated by blank lines, ``//`` comment
lines (with Moodle's ``[tag:name]`` tags), ``$CATEGORY: path``, ``::title::``, ``[html]``,
``[markdown]``, ``[plain]``, ``[moodle]`` formats, ``=``/``~`` options with ``%n%`` weights,
``#feedback`` and ``####general feedback``, ``{T}``/``{FALSE#wrong#right}``, numerical
``{#x:tol}``, ``{#a..b}``, ``{#=x:tol =%50%y:tol ~#other}``, matching ``{=a -> b}``, short
answer ``{=a =%50%b}``, essay ``{}``, description (text without ``{…}``: no answer, no
marks), missing word (text after the block: the block becomes ``_____``), the escapes
``\\~ \\= \\# \\{ \\} \\: \\n \\\\``, CRLF and a BOM.
:func:`dump_gift` writes files that both this module and Moodle read back unchanged.

Where Moodle guesses or silently imports nonsense, this module reports an error with its
line: a second answer block or a stray ``}``, an
unknown lower-case ``[word]`` or mis-cased ``[HTML]`` at the start of a text (``[A]``,
``[Note]`` stay text), malformed ``%n%`` weights, two ``=`` or no correct option in a choice
question, text before the first option, ``{T}`` blocks with other words, non-numbers
(``3,5``) in numerical answers, text sharing a paragraph with ``$CATEGORY``, and whatever
Moodle's question forms reject (:func:`lms.quizzes.parsed.validate`).  Every bad question is
reported, not only the first.  A format marker on an answer or a feedback is kept for it
(without one it takes the question's).  Moodle's ``// [id:…]`` comment tag gives the
question's ID number.

Extension, still Moodle compatible because Moodle skips comments: a short-answer question may
be preceded, in its paragraph, by ``// lms: ignore-diacritics`` and/or ``// lms: case-sensitive``.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from typing import NamedTuple

from flask_babel import gettext as _

from lms.quizzes.gift_dump import CATEGORY, DIRECTIVES, EXAM_POOL, WS, dump_gift
from lms.quizzes.parsed import (
    BLANK,
    CATCH_ALL,
    TEXT_FORMATS,
    ParsedAnswer,
    ParsedQuestion,
    QuestionFormatError,
    normalise_category,
    numeric_range,
    parse_number,
    validate,
)

__all__ = ["GiftError", "dump_gift", "parse_gift", "parse_gift_cached"]

_ESCAPE = re.compile(r"\\([\\:#={}~n])")
_BRACE = re.compile(r"[{}]")
_FORMAT = re.compile(r"\[([A-Za-z]+)\]")
_DIRECTIVE = re.compile(r"//\s*lms\s*:(.*)")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])*)\]")  # Moodle's, with \] escapes
_ID = re.compile(r"\[id:((?:\\\]|[^\][\x00-\x1f\x7f])+)\]")  # Moodle's idnumber tag
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


class GiftError(QuestionFormatError):
    """A GIFT file is invalid: ``str(err) == f"{filename}:{line}: {reason}"`` per problem."""


class _InvalidError(Exception):
    """Abandon the current question: ``line`` and translated ``reason``."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(line, reason)
        self.line = line
        self.reason = reason


class _Codec:
    """Swaps escaped characters for private-use placeholders absent from the file.

    Moodle does the same with ``&&058;``-style markers; picking characters the file does not
    contain makes the swap exact for any input.
    """

    def __init__(self, source: str) -> None:
        used = set(source)
        codes = itertools.chain(range(0xF0000, 0x110000), range(0xE000), range(0xE000, 0xF0000))
        free = [chr(c) for c in itertools.islice(codes, len(used) + 7) if chr(c) not in used]
        if len(free) < 7:  # only for a file using over a million different characters
            raise ValueError("no free placeholder characters")
        self.hide = dict(zip(":#={}~n", free, strict=False))
        self.show = str.maketrans({v: ("\n" if k == "n" else k) for k, v in self.hide.items()})

    def encode(self, text: str) -> str:
        return _ESCAPE.sub(lambda m: "\\" if m[1] == "\\" else self.hide[m[1]], text)

    def decode(self, text: str) -> str:
        return text.translate(self.show)


def parse_gift(text: str, filename: str = "<gift>") -> list[ParsedQuestion]:
    """Parse GIFT ``text``; raise :class:`GiftError` (listing every problem) if it is invalid."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        codec = _Codec(text)
    except ValueError:
        raise GiftError(filename, 1, _("The file uses too many different characters.")) from None
    questions: list[ParsedQuestion] = []
    errors: list[QuestionFormatError] = []
    category, exam_pool = "", False
    for first, lines in _paragraphs(text.split("\n")):
        try:
            result = _parse_paragraph(first, lines, codec)
        except _InvalidError as exc:
            errors.append(GiftError(filename, exc.line, exc.reason))
            continue
        if isinstance(result, _Category):
            category, exam_pool = result
        elif result is not None:
            result.category, result.exam_pool = category, exam_pool
            questions.append(result)
    if errors:
        raise GiftError.combine(errors)
    return questions


@functools.lru_cache(maxsize=64)
def parse_gift_cached(text: str, filename: str = "<gift>") -> tuple[ParsedQuestion, ...]:
    """:func:`parse_gift`, remembered: an import reads the same banks several times (the
    comparison, the merge, the import). The questions are shared: do not change them."""
    return tuple(parse_gift(text, filename))


def _paragraphs(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, lines) for each run of non-blank lines."""
    start, run = 0, []
    for number, line in enumerate(lines, 1):
        if line.strip(WS):
            start = start if run else number
            run.append(line)
        elif run:
            yield start, run
            run = []
    if run:
        yield start, run


class _Category(NamedTuple):
    name: str
    exam_pool: bool


def _parse_paragraph(first: int, raw: list[str], codec: _Codec
                     ) -> ParsedQuestion | _Category | None:
    """A question, a category or None for a paragraph of comments."""
    lines: list[str] = []
    comments: list[str] = []
    directives: dict[str, int] = {}
    content = 0  # line number of the first non-comment line
    for number, kept in enumerate(raw, first):
        line = kept.strip(WS)
        if line.startswith("//"):
            comments.append(line)
            match = _DIRECTIVE.fullmatch(line)
            if match:
                name = match[1].strip(WS)
                if content:
                    reason = _("An lms: directive must come before the question.")
                    raise _InvalidError(number, reason)
                if name not in DIRECTIVES and name != EXAM_POOL:
                    raise _InvalidError(number, _("Unknown directive “lms: %(name)s”.", name=name))
                directives[name] = number
            lines.append(" ")  # Moodle blanks comment lines.
            continue
        if content and line.startswith(CATEGORY):
            raise _InvalidError(number, _("Put a blank line before and after $CATEGORY."))
        content = content or number
        # Moodle keeps each line as written (the layout inside <pre>, say), and trims
        # only the question as a whole.
        lines.append(kept.rstrip(WS) if content != number else line)
    if not content:
        if directives:
            reason = _("An lms: directive must come before the question.")
            raise _InvalidError(min(directives.values()), reason)
        return None
    if lines[content - first].startswith(CATEGORY):
        extra = [n for n, line in enumerate(lines, first) if n > content and line.strip(WS)]
        others = {n: v for n, v in directives.items() if n != EXAM_POOL}
        if extra or others:
            line = extra[0] if extra else min(others.values())
            raise _InvalidError(line, _("Put a blank line before and after $CATEGORY."))
        return _Category(normalise_category(lines[content - first][len(CATEGORY) :]),
                         EXAM_POOL in directives)
    if EXAM_POOL in directives:
        raise _InvalidError(directives[EXAM_POOL], _("“lms: exam-pool” marks a category: put "
                                                     "it just above a $CATEGORY line."))
    text = codec.encode("\n".join(lines[content - first :]))
    question = _QuestionParser(codec, text, content).parse()
    for name, number in directives.items():
        if question.type != "short_answer":
            reason = _("“lms: %(name)s” only applies to short-answer questions.", name=name)
            raise _InvalidError(number, reason)
        setattr(question, DIRECTIVES[name], True)
    tags = (m[1].strip(WS).replace("\\]", "]") for m in _TAG.finditer("\n".join(comments)))
    question.tags = [tag for tag in tags if tag]
    found = _ID.search("\n".join(comments))
    question.idnumber = found[1].strip(WS).replace("\\]", "]") if found else ""
    return question


class _QuestionParser:
    """Parses one question; ``t`` is its escape-encoded text starting at source line ``line0``."""

    def __init__(self, codec: _Codec, text: str, line0: int) -> None:
        self.codec, self.t, self.line0 = codec, text.rstrip(WS), line0
        self.format, self.opened = "moodle", 0

    def fail(self, pos: int, reason: str) -> _InvalidError:
        return _InvalidError(self.line0 + self.t.count("\n", 0, pos), reason)

    def parse(self) -> ParsedQuestion:
        t, pos, name = self.t, 0, ""
        if t.startswith("::"):
            end = t.find("::", 2)
            if end < 0:
                raise self.fail(0, _("The question title is not closed with “::”."))
            name = self.codec.decode(t[2:end]).strip(WS)
            pos = len(t) - len(t[end + 2 :].lstrip(WS))
        opened, closed = t.find("{", pos), t.find("}", pos)
        if opened < 0 and closed < 0:  # text alone: a description, as in Moodle
            self.format, text = self.text(t[pos:], pos)
            if not text:
                raise self.fail(pos, _("The question text is empty."))
            return ParsedQuestion(type="description", text=text, name=name,
                                  text_format=self.format,  # type: ignore[arg-type]
                                  line=self.line0)
        if closed >= 0 and (opened < 0 or closed < opened):
            raise self.fail(closed, _("“}” without a matching “{”."))
        opened_at = self.line0 + t.count("\n", 0, opened)
        if closed < 0:
            reason = _("Unclosed answer block, opened at line %(line)d.", line=opened_at)
            raise self.fail(opened, reason)
        nested = t.find("{", opened + 1, closed)
        if nested >= 0:
            raise self.fail(nested, _("“{” inside an answer block; write \\{ for a literal brace."))
        stray = _BRACE.search(t, closed + 1)
        if stray and stray[0] == "}":
            raise self.fail(stray.start(), _("“}” without a matching “{”."))
        if stray:
            reason = _("A second answer block: separate questions with a blank line.")
            raise self.fail(stray.start(), reason)
        after, self.opened = t[closed + 1 :], opened
        self.format, text = self.text(t[pos:opened] + (BLANK + after if after else ""), pos)
        inner = t[opened + 1 : closed]
        general, general_format = "", ""
        cut = inner.rfind("####")
        if cut >= 0:
            general_format, general = self.own(inner[cut + 4 :], opened + 1 + cut)
            inner = inner[:cut]
        start = opened + 1 + len(inner) - len(inner.lstrip(WS))
        question = ParsedQuestion(
            type="essay",
            text=text,
            name=name,
            text_format=self.format,  # type: ignore[arg-type]
            general_feedback=general,
            general_feedback_format=general_format,
            line=self.line0,
        )
        self.answers(question, inner.strip(WS), start)
        problem = validate(question)
        if problem:
            raise self.fail(opened, problem)
        return question

    def answers(self, q: ParsedQuestion, ans: str, pos: int) -> None:
        """Set the type and answers of ``q`` from the answer text ``ans`` found at ``pos``."""
        if not ans:
            return
        if ans[0] == "#":
            self.numerical(q, ans[1:], pos + 1)
        elif "~" in ans:
            self.choice(q, ans, pos)
        elif "=" in ans and "->" in ans:
            q.type = "matching"
            for _marker, body, at in self.options(ans, pos, "="):
                if "->" not in body:
                    raise self.fail(at, _("A matching pair needs “->”: =item -> match."))
                left, right = body.split("->", 1)
                match = self.codec.decode(right).strip(WS)
                fmt, text = self.own(left, at)
                q.answers.append(ParsedAnswer(text=text, match=match, text_format=fmt))
        elif ans[0] != "=":
            head = ans.split("#", 1)[0].strip(WS)
            if head not in _TRUE_FALSE:
                found = self.codec.decode(head)[:40]
                reason = _(
                    "Expected T, TRUE, F or FALSE, or answers starting with =, not “%(found)s”.",
                    found=found,
                )
                raise self.fail(pos, reason)
            wrong, right, *_rest = [self.own(p, pos) for p in ans.split("#", 2)[1:]] + [
                ("", ""), ("", "")]
            q.type, q.correct = "true_false", _TRUE_FALSE[head]
            true, false = (right, wrong) if q.correct else (wrong, right)
            q.feedback_true_format, q.feedback_true = true
            q.feedback_false_format, q.feedback_false = false
        else:
            q.type = "short_answer"
            for _marker, body, at in self.options(ans, pos, "="):
                weight, rest = self.weight(body, at)
                q.answers.append(self.answer(rest, 1.0 if weight is None else weight, at))

    def choice(self, q: ParsedQuestion, ans: str, pos: int) -> None:
        correct = [m.start() for m in re.finditer("=", ans)]
        if len(correct) > 1:
            reason = _("More than one correct option (=); use %(syntax)s weights.", syntax="~%n%")
            raise self.fail(pos + correct[1], reason)
        for marker, body, at in self.options(ans, pos, "~="):
            # Moodle reads no weight after "=".
            weight, rest = (1.0, body) if marker == "=" else self.weight(body, at)
            q.answers.append(self.answer(rest, weight or 0.0, at))
        if correct:
            q.type = "single_choice"
        elif any(a.fraction > 0 for a in q.answers):
            q.type = "multiple_choice"
        else:
            reason = _(
                "No correct option: mark one with = or give weights like %(example)s.",
                example="~%50%",
            )
            raise self.fail(self.opened, reason)

    def numerical(self, q: ParsedQuestion, ans: str, pos: int) -> None:
        q.type = "numerical"
        other = None
        tilde = ans.find("~")
        if tilde >= 0:
            rest = ans[tilde + 1 :].strip(WS)
            if rest and (rest[0] != "#" or "~" in rest):
                raise self.fail(pos + tilde, _("In a numerical question “~” takes only #feedback."))
            fmt, feedback = self.own(rest[1:], pos + tilde)
            other = ParsedAnswer(CATCH_ALL, 0.0, feedback, feedback_format=fmt)
            ans = ans[:tilde]
        lead = ans.split("=", 1)[0]
        items = [(body, at) for _marker, body, at in self.options(ans, pos, "=", lead_ok=True)]
        if lead.strip(WS):
            items.insert(0, (lead.strip(WS), pos + len(lead) - len(lead.lstrip(WS))))
        if not items:
            raise self.fail(pos, _("The numerical question has no answer."))
        for body, at in items:
            weight, rest = self.weight(body, at)
            answer = self.answer(rest, 1.0 if weight is None else weight, at, empty_ok=True)
            q.answers.append(self.number(answer, at))
        if other:
            q.answers.append(other)

    def number(self, answer: ParsedAnswer, at: int) -> ParsedAnswer:
        """Read ``value``, ``value:tolerance`` or ``low..high`` from ``answer.text``."""
        text = answer.text
        if text == CATCH_ALL:
            return answer
        if text.find("..") > 0:
            low, high = (parse_number(p.strip(WS)) for p in text.split("..", 1))
            if low is None or high is None or low > high:
                raise self.fail(at, _("Invalid range “%(range)s”: write min..max.", range=text))
            return numeric_range(low, high, answer.fraction, answer.feedback)
        value_text, tol_text = text.split(":", 1) if text.find(":") > 0 else (text, "0")
        value, tol = parse_number(value_text.strip(WS)), parse_number(tol_text.strip(WS))
        if value is None or tol is None or tol < 0:
            reason = _(
                "“%(value)s” is not a number or number:tolerance (use . for decimals).",
                value=text,
            )
            raise self.fail(at, reason)
        answer.text, answer.value, answer.tolerance = "", value, tol
        return answer

    def options(
        self, ans: str, pos: int, markers: str, lead_ok: bool = False
    ) -> Iterator[tuple[str, str, int]]:
        """Yield (marker, stripped body, position) for each option starting with a marker."""
        cuts = [m.start() for m in re.finditer(f"[{markers}]", ans)] + [len(ans)]
        if not lead_ok and ans[: cuts[0]].strip(WS):
            found = self.codec.decode(ans[: cuts[0]].strip(WS))[:40]
            reason = _("Unexpected text “%(found)s” before the first option.", found=found)
            raise self.fail(pos, reason)
        for start, end in itertools.pairwise(cuts):
            yield ans[start], ans[start + 1 : end].strip(WS), pos + start

    def weight(self, body: str, at: int) -> tuple[float | None, str]:
        """Split a leading ``%n%`` off ``body``; None if there is none."""
        if not body.startswith("%"):
            return None, body
        end = body.find("%", 1)
        value = parse_number(body[1:end]) if end > 0 else None
        if value is None or not -100 <= value <= 100:
            shown = self.codec.decode(body[: end + 1] if end > 0 else body[:12])
            reason = _(
                "Invalid weight “%(weight)s”: use %%n%% with n from -100 to 100.", weight=shown
            )
            raise self.fail(at, reason)
        return value / 100, body[end + 1 :]

    def answer(self, body: str, fraction: float, at: int, empty_ok: bool = False) -> ParsedAnswer:
        """An answer from ``text#feedback``."""
        text, _sep, feedback = body.partition("#")
        text_format, text = self.own(text, at)
        feedback_format, feedback = self.own(feedback, at)
        answer = ParsedAnswer(text, fraction, feedback, text_format=text_format,
                              feedback_format=feedback_format)
        if not answer.text and not empty_ok:
            raise self.fail(at, _("An option has no text."))
        return answer

    def own(self, raw: str, at: int) -> tuple[str, str]:
        """(format, text) of an answer or feedback: its format is "" when it is the
        question's (as Moodle, a text without a marker takes the question's format)."""
        fmt, text = self.text(raw, at)
        return ("" if fmt == self.format else fmt), text

    def text(self, raw: str, at: int) -> tuple[str, str]:
        """(format, text) of ``raw``: Moodle's parse_text_with_format, plus format checking."""
        raw, fmt = raw.strip(WS), self.format
        match = _FORMAT.match(raw)
        if match and match[1] in TEXT_FORMATS:
            fmt, raw = match[1], raw[match.end() :]
        elif match and _looks_like_format(match[1]):
            formats = ", ".join(f"[{f}]" for f in TEXT_FORMATS)
            reason = _(
                "Unknown text format [%(name)s]; use one of %(formats)s.",
                name=match[1],
                formats=formats,
            )
            raise self.fail(at, reason)
        return fmt, self.codec.decode(raw).strip(WS)


def _looks_like_format(name: str) -> bool:
    """``[HTML]``, ``[md]`` (a mis-cased format or lower-case word), but not ``[A]``, ``[Note]``."""
    return name.lower() in TEXT_FORMATS or (name.islower() and len(name) > 1)
