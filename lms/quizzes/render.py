"""Question payloads for the attempt page and the API: what a learner may see, and no more.

Correct answers, weights and feedback only appear when the quiz's review options allow
them in the current window.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3
from flask import url_for
from markupsafe import Markup, escape

from lms.courses.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, render_markdown
from lms.quizzes.attempt_models import Attempt, AttemptSlot
from lms.quizzes.embedded import link_files
from lms.quizzes.models import QuestionVersion
from lms.quizzes.option_ids import slot_ids
from lms.quizzes.review_marks import right_keys, verdicts
from lms.quizzes.timing import Timing, visible_review_items
from lms.quizzes.types import get_type
from lms.quizzes.windows import attempt_window

#: Tags a question written in HTML or Moodle format may use (Moodle's editors write these).
QUESTION_TAGS = ALLOWED_TAGS | {"b", "i", "u", "span", "div", "small", "mark", "caption"}
_BETWEEN_TAGS = re.compile(r">\s+<")


def _clean(html: str) -> str:
    return nh3.clean(html, tags=QUESTION_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                     strip_comments=True)


def text_html(text: str, text_format: str,
              files: Callable[[str], str] | None = None) -> Markup:
    """Question, option or feedback text as safe HTML, rendered as Moodle renders its
    format, and always sanitised (after each embedded file reference is made a link by
    ``files(name)``):

    - ``moodle`` (GIFT's default): HTML allowed, and line breaks kept (Moodle's
      ``text_to_html``: white space between tags dropped, then each newline a ``<br>``);
    - ``html``: HTML;
    - ``markdown``: Markdown;
    - ``plain``: text, line breaks kept.
    """
    text = link_files(text, files)
    if text_format == "markdown":
        html = str(render_markdown(text))
        # A one-paragraph text (an option) needs no <p> wrapper.
        if html.startswith("<p>") and html.rstrip().endswith("</p>") and html.count("<p>") == 1:
            html = html.strip()[3:-4]
        return Markup(html)  # noqa: S704 (sanitised by render_markdown)
    if text_format == "moodle":
        text = _BETWEEN_TAGS.sub("><", text).replace("\n", "<br>\n")
    if text_format in ("moodle", "html"):
        return Markup(_clean(text))  # noqa: S704 (sanitised by nh3)
    return escape(text).replace("\n", Markup("<br>"))


def slot_file_url(item: AttemptSlot,
                  linked: set[str] | None = None) -> Callable[[str], str] | None:
    """Links to the files embedded in the slot's question, through the attempt (so a
    learner reaches only the files of the questions they were given); the names linked
    are added to ``linked``."""
    names = item.version.data.get("files") or {}
    if not names:
        return None

    def url(name: str) -> str:
        if name not in names:
            return ""
        if linked is not None:
            linked.add(name)
        return url_for("quizzes.attempt_file", attempt_id=item.attempt_id, slot=item.slot,
                       name=name)

    return url


def version_file_url(version: QuestionVersion, slug: str) -> Callable[[str], str] | None:
    """Links to a version's files for editors (the bank's preview)."""
    names = version.data.get("files") or {}
    if not names:
        return None

    def url(name: str) -> str:
        return url_for("quizzes.question_file", slug=slug, question_id=version.question_id,
                       number=version.number, name=name) if name in names else ""

    return url


def shown(version: QuestionVersion, public: Callable[[str], str], order: list[str] | None,
          files: Callable[[str], str] | None) -> dict[str, Any]:
    """What a learner sees of a question (its text, options and matching items, their ids
    made ``public``), as the attempt page and the editor's preview render it."""
    kind, fmt = get_type(version.type), version.text_format
    out: dict[str, Any] = {
        "type": version.type, "text_html": str(text_html(version.text, fmt, files)),
        "options": [{"id": public(o["id"]),
                     "text_html": str(text_html(o["text"], o.get("text_format") or fmt, files))}
                    for o in kind.options(version.data, order)],
    }
    if version.type == "matching":
        out["items"] = [{"id": public(p["id"]),
                         "text_html": str(text_html(p["text"], p.get("text_format") or fmt,
                                                    files))}
                        for p in version.data["pairs"]]
    return out


def slot_payload(item: AttemptSlot, review: set[str], include_answer: bool,
                 linked: set[str] | None = None) -> dict[str, Any]:
    """One question of an attempt, for the page or the API (the embedded files it links
    to are added to ``linked``)."""
    version = item.version
    kind = get_type(version.type)
    fmt = version.text_format
    ids = slot_ids(item.attempt_id, item.slot, version.type, version.data)
    files = slot_file_url(item, linked)
    out = {"slot": item.slot, "id": item.question_id,
           **shown(version, ids.public.__getitem__, item.option_order or None, files)}
    if include_answer:
        out["response"] = ids.to_public(version.type, item.response)
        out["seq"] = item.seq
        out["flagged"] = item.flagged
    public = ids.public.get
    if "correctness" in review and item.fraction is not None:
        out["fraction"] = item.fraction
        out["marks"] = {public(key, key): verdict for key, verdict
                        in verdicts(version.type, version.data, item.response).items()}
    if "score" in review and "correctness" in review:  # a mark per question is correctness
        out["points"] = item.points
        out["max_points"] = item.max_points
    if "right_answer" in review:
        out["right_answer"] = kind.right_answer(version.data)
        out["right_options"] = [public(key, key)
                                for key in right_keys(version.type, version.data)]
    if "feedback" in review:
        general = version.data.get("formats", {}).get("general_feedback", "")
        items = [*kind.feedback_items(version.data, item.response),
                 *_combined(version.data, item),
                 *([(version.general_feedback, general)] if version.general_feedback else [])]
        out["feedback"] = [text for text, _own in items]
        out["feedback_html"] = [str(text_html(text, own or fmt, files)) for text, own in items]
        if item.comment:  # a grader's comment is plain text
            out["feedback"].append(item.comment)
            out["feedback_html"].append(str(text_html(item.comment, "plain")))
    return out


def _combined(data: dict[str, Any], item: AttemptSlot) -> list[tuple[str, str]]:
    """Moodle's combined feedback for the outcome of an answered question."""
    combined = data.get("combined", {})
    if not combined or item.response is None or item.fraction is None:
        return []
    outcome = ("correct" if item.fraction >= 1 else
               "partially_correct" if item.fraction > 0 else "incorrect")
    text = combined.get(f"{outcome}_feedback", "")
    return [(text, "")] if text else []


@dataclass(frozen=True)
class QuestionState:
    """A question's line in the navigation panel and the summary."""

    slot: int
    state: str  # answered, unanswered, or info (a description: nothing to answer)
    flagged: bool


def question_states(questions: list[dict[str, Any]]) -> list[QuestionState]:
    """The navigation states of an attempt's questions (from their payloads)."""
    out = []
    for q in questions:
        if q["type"] == "description":
            state = "info"
        else:
            response = q.get("response")
            state = "unanswered" if response is None or response in ("", [], {}) else "answered"
        out.append(QuestionState(q["slot"], state, bool(q.get("flagged"))))
    return out


def score_fields(attempt: Attempt, review: set[str]) -> dict[str, Any]:
    """The attempt's score, if it is finished and the review shows scores now."""
    if attempt.finished_at is None or "score" not in review:
        return {}
    return {"points": attempt.points, "max_points": attempt.max_points,
            "score10": attempt.score10, "passed": attempt.passed}


def result_payload(attempt: Attempt, now: datetime) -> dict[str, Any]:
    """What a submit answers: the state, and the score only as the review allows."""
    return {"state": attempt.state, **score_fields(attempt, review_items(attempt, now))}


#: What a withdrawn learner's review never shows: it would give the key away.
KEY_ITEMS = frozenset({"correctness", "right_answer", "feedback"})


def review_items(attempt: Attempt, now: datetime) -> set[str]:
    """What the learner may see of this attempt now: the quiz's review matrix, less the
    key for a learner withdrawn since."""
    from lms.quizzes.attempts import has_left

    review = visible_review_items(attempt.quiz, attempt.finished_at, now,
                                  attempt_window(attempt).closes_at)
    return review - KEY_ITEMS if review & KEY_ITEMS and has_left(attempt) else review


def attempt_payload(attempt: Attempt, timing: Timing, now: datetime, *,
                    include_answers: bool) -> dict[str, Any]:
    """The attempt as the API returns it (see the OpenAPI document)."""
    review = review_items(attempt, now)
    out: dict[str, Any] = {
        "id": attempt.id, "quiz_id": attempt.quiz_id, "number": attempt.number,
        "state": attempt.state,
        "deadline": timing.deadline.isoformat() if timing.deadline else None,
        "server_time": now.isoformat(),
        "questions": [slot_payload(item, review, include_answers) for item in attempt.slots],
    }
    out.update(score_fields(attempt, review))
    return out
