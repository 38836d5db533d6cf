"""The question-type registry: one class per type, each with its own parse, render, check
and grade (as CTFd's challenge classes).

A question version stores its type-specific content as ``data`` (JSON) made by
:meth:`QuestionType.from_parsed`; every option gets a stable id (``a0``, ``a1`` …; matching
uses ``l*`` for left items and ``r*`` for right choices) so that responses, shuffling and
statistics refer to options, not to their text.
"""

from __future__ import annotations

import math
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.quizzes.parsed import CATCH_ALL, ParsedAnswer, ParsedQuestion
from lms.quizzes.short_text import normalise_short, wildcard_match


class ResponseError(ValueError):
    """A response that does not fit the question type; ``field`` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _answers(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(data.get("answers", []))


class QuestionType(ABC):
    """Base class; subclasses register themselves by ``name``."""

    name: ClassVar[str]
    #: What people read for the type (never the internal ``name``).
    label: ClassVar[Any]
    manual: ClassVar[bool] = False  # graded by a person (essay)
    #: The question's marks in an attempt (a description has none, and no answer).
    max_points: ClassVar[float] = 1.0

    def from_parsed(self, q: ParsedQuestion) -> dict[str, Any]:
        """Type-specific data of a parsed question (stable option ids assigned)."""
        answers = []
        for i, a in enumerate(q.answers):
            item = {"id": f"a{i}", "text": a.text, "fraction": a.fraction, "feedback": a.feedback}
            for key in ("text_format", "feedback_format"):
                if getattr(a, key):
                    item[key] = getattr(a, key)
            for key in ("value", "tolerance", "low", "high"):
                if getattr(a, key) is not None:
                    item[key] = getattr(a, key)
            if a.match:
                item["match"] = a.match
            answers.append(item)
        return {"answers": answers}

    def to_parsed_fields(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The ParsedQuestion fields this type stores (inverse of :meth:`from_parsed`)."""
        return {"answers": [
            ParsedAnswer(text=a.get("text", ""), fraction=a.get("fraction", 0.0),
                         feedback=a.get("feedback", ""), value=a.get("value"),
                         tolerance=a.get("tolerance"), low=a.get("low"), high=a.get("high"),
                         match=a.get("match", ""), text_format=a.get("text_format", ""),
                         feedback_format=a.get("feedback_format", ""))
            for a in _answers(data)]}

    def option_ids(self, data: Mapping[str, Any]) -> list[str]:
        """Ids of the options a learner chooses from (shuffled per attempt)."""
        return []

    def options(self, data: Mapping[str, Any], order: list[str] | None) -> list[dict[str, str]]:
        """Options to show, in ``order``, without weights or feedback."""
        return []

    def public_keys(self, data: Mapping[str, Any]) -> list[str]:
        """Every option key a learner sees (and answers with), to be shown opaque."""
        return self.option_ids(data)

    def map_ids(self, response: Any, mapping: Callable[[str], str]) -> Any:
        """``response`` with each option key replaced by ``mapping(key)``; anything that
        is not shaped like this type's response is returned as it is."""
        return response

    @abstractmethod
    def check(self, data: Mapping[str, Any], response: Any) -> Any:
        """Validate and normalise a response; raise :class:`ResponseError` if malformed."""

    @abstractmethod
    def grade(self, data: Mapping[str, Any], response: Any) -> float | None:
        """The fraction of the mark earned, in [0, 1]; ``None`` when graded by hand."""

    def feedback(self, data: Mapping[str, Any], response: Any) -> list[str]:
        """Per-option feedback for the given response."""
        return [text for text, _fmt in self.feedback_items(data, response)]

    def feedback_items(self, data: Mapping[str, Any], response: Any) -> list[tuple[str, str]]:
        """``(feedback, its format)`` for the given response; the format is "" when it is
        the question's."""
        return []

    def right_answer(self, data: Mapping[str, Any]) -> str:
        """A plain-text statement of the right answer, for review."""
        return ""


REGISTRY: dict[str, QuestionType] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator adding a type to :data:`REGISTRY`."""
    REGISTRY[cls.name] = cls()
    return cls


def get_type(name: str) -> QuestionType:
    """The registered type called ``name``."""
    return REGISTRY[name]


def type_label(name: str) -> str:
    """The translated label of a question type (an unknown name is shown as it is)."""
    kind = REGISTRY.get(name)
    return str(kind.label) if kind else name


def type_labels() -> dict[str, str]:
    """Every type's translated label, in the registry's order (the editor's type menu)."""
    return {name: str(kind.label) for name, kind in REGISTRY.items()}


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


class _ChoiceType(QuestionType):
    def map_ids(self, response: Any, mapping: Callable[[str], str]) -> Any:
        if isinstance(response, str):
            return mapping(response)
        if isinstance(response, list):
            return [mapping(r) if isinstance(r, str) else r for r in response]
        return response

    def option_ids(self, data: Mapping[str, Any]) -> list[str]:
        return [a["id"] for a in _answers(data)]

    def options(self, data: Mapping[str, Any], order: list[str] | None) -> list[dict[str, str]]:
        by_id = {a["id"]: a for a in _answers(data)}
        return [{"id": i, "text": by_id[i]["text"],
                 **({"text_format": by_id[i]["text_format"]} if "text_format" in by_id[i] else {})}
                for i in (order or list(by_id)) if i in by_id]

    def right_answer(self, data: Mapping[str, Any]) -> str:
        return "; ".join(a["text"] for a in _answers(data) if a["fraction"] > 0)


@register
class SingleChoice(_ChoiceType):
    """One option; its weight (``=`` is 100 %) is the mark."""

    name = "single_choice"
    label = _l("Single choice")

    def check(self, data: Mapping[str, Any], response: Any) -> str:
        if not isinstance(response, str) or response not in self.option_ids(data):
            raise ResponseError("response", _("Choose one of the options."))
        return response

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        chosen = next((a for a in _answers(data) if a["id"] == response), None)
        return _clamp(chosen["fraction"]) if chosen else 0.0

    def feedback_items(self, data: Mapping[str, Any], response: Any) -> list[tuple[str, str]]:
        return [(a["feedback"], a.get("feedback_format", "")) for a in _answers(data)
                if a["id"] == response and a["feedback"]]


@register
class MultipleChoice(_ChoiceType):
    """Several options; weights add up (negative ones too), floored at 0."""

    name = "multiple_choice"
    label = _l("Multiple choice")

    def check(self, data: Mapping[str, Any], response: Any) -> list[str]:
        ids = self.option_ids(data)
        if not isinstance(response, list) or not all(
                isinstance(r, str) and r in ids for r in response):
            raise ResponseError("response", _("Give a list of option ids."))
        if len(set(response)) != len(response):
            raise ResponseError("response", _("An option is chosen twice."))
        return sorted(response, key=ids.index)

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        chosen = set(response or ())
        return _clamp(sum(a["fraction"] for a in _answers(data) if a["id"] in chosen))

    def feedback_items(self, data: Mapping[str, Any], response: Any) -> list[tuple[str, str]]:
        chosen = set(response or ())
        return [(a["feedback"], a.get("feedback_format", "")) for a in _answers(data)
                if a["id"] in chosen and a["feedback"]]


@register
class TrueFalse(QuestionType):
    """True or false; feedback for each answer."""

    name = "true_false"
    label = _l("True/False")

    def from_parsed(self, q: ParsedQuestion) -> dict[str, Any]:
        return {"correct": q.correct, "feedback_true": q.feedback_true,
                "feedback_false": q.feedback_false}

    def to_parsed_fields(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"correct": bool(data["correct"]), "feedback_true": data.get("feedback_true", ""),
                "feedback_false": data.get("feedback_false", "")}

    def check(self, data: Mapping[str, Any], response: Any) -> bool:
        if not isinstance(response, bool):
            raise ResponseError("response", _("Answer true or false."))
        return response

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        return 1.0 if response is bool(data["correct"]) else 0.0

    def feedback_items(self, data: Mapping[str, Any], response: Any) -> list[tuple[str, str]]:
        side = "feedback_true" if response else "feedback_false"
        text = data.get(side, "")
        return [(text, data.get("formats", {}).get(side, ""))] if text else []

    def right_answer(self, data: Mapping[str, Any]) -> str:
        return _("True") if data["correct"] else _("False")


class _AnswerListType(QuestionType):
    """Types whose response is graded by the best-matching answer of a list."""

    @abstractmethod
    def _match(self, data: Mapping[str, Any], response: Any) -> dict[str, Any] | None:
        """The matching answer with the highest fraction, if any."""

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        match = self._match(data, response)
        return _clamp(match["fraction"]) if match else 0.0

    def feedback_items(self, data: Mapping[str, Any], response: Any) -> list[tuple[str, str]]:
        match = self._match(data, response)
        return ([(match["feedback"], match.get("feedback_format", ""))]
                if match and match["feedback"] else [])


@register
class ShortAnswer(_AnswerListType):
    """A typed answer compared with the accepted ones (Moodle's ``*`` wildcard allowed)."""

    name = "short_answer"
    label = _l("Short answer")

    def from_parsed(self, q: ParsedQuestion) -> dict[str, Any]:
        data = super().from_parsed(q)
        data.update(case_sensitive=q.case_sensitive, ignore_diacritics=q.ignore_diacritics)
        return data

    def to_parsed_fields(self, data: Mapping[str, Any]) -> dict[str, Any]:
        fields = super().to_parsed_fields(data)
        fields.update(case_sensitive=bool(data.get("case_sensitive")),
                      ignore_diacritics=bool(data.get("ignore_diacritics")))
        return fields

    def check(self, data: Mapping[str, Any], response: Any) -> str:
        if not isinstance(response, str):
            raise ResponseError("response", _("Type a text answer."))
        if len(response) > 1000:
            raise ResponseError("response", _("The answer is too long."))
        return unicodedata.normalize("NFC", response)

    def _match(self, data: Mapping[str, Any], response: str) -> dict[str, Any] | None:
        opts = {"case_sensitive": bool(data.get("case_sensitive")),
                "ignore_diacritics": bool(data.get("ignore_diacritics"))}
        given = normalise_short(response or "", **opts)
        best = None
        for a in _answers(data):
            pattern = normalise_short(a["text"], **opts)
            if "*" in pattern:
                ok = wildcard_match(pattern, given) and bool(given or pattern == CATCH_ALL)
            else:
                ok = given == pattern and given != ""
            if ok and (best is None or a["fraction"] > best["fraction"]):
                best = a
        return best

    def right_answer(self, data: Mapping[str, Any]) -> str:
        return " / ".join(a["text"] for a in _answers(data) if a["fraction"] >= 1)


@register
class Numerical(_AnswerListType):
    """A number within a tolerance of a value, or within a range."""

    name = "numerical"
    label = _l("Numerical")

    def check(self, data: Mapping[str, Any], response: Any) -> float:
        if isinstance(response, bool) or not isinstance(response, int | float) or not (
                math.isfinite(response)):
            raise ResponseError("response", _("Give a number."))
        return float(response)

    @staticmethod
    def _hit(a: Mapping[str, Any], x: float) -> bool:
        if a.get("text") == CATCH_ALL:
            return True
        if a.get("low") is not None and a.get("high") is not None:
            return a["low"] <= x <= a["high"]
        value, tolerance = a.get("value"), a.get("tolerance") or 0.0
        return value is not None and abs(x - value) <= tolerance + 1e-9 * max(1.0, abs(value))

    def _match(self, data: Mapping[str, Any], response: Any) -> dict[str, Any] | None:
        if response is None:
            return None
        hits = [a for a in _answers(data) if self._hit(a, float(response))]
        return max(hits, key=lambda a: a["fraction"], default=None)

    def right_answer(self, data: Mapping[str, Any]) -> str:
        out = []
        for a in _answers(data):
            if a["fraction"] < 1:
                continue
            if a.get("low") is not None:
                out.append(f"{a['low']:g}..{a['high']:g}")
            elif a.get("value") is not None:
                tol = a.get("tolerance") or 0
                out.append(f"{a['value']:g}" + (f" ± {tol:g}" if tol else ""))
        return " / ".join(out)


@register
class Matching(QuestionType):
    """Pair each left item with a right choice; the mark is the share of right pairs."""

    name = "matching"
    label = _l("Matching")

    def from_parsed(self, q: ParsedQuestion) -> dict[str, Any]:
        rights: list[str] = []
        for a in q.answers:
            if a.match not in rights:
                rights.append(a.match)
        right_ids = {text: f"r{i}" for i, text in enumerate(rights)}
        own = [{"text_format": a.text_format} if a.text_format else {} for a in q.answers]
        pairs = [{"id": f"l{i}", "text": a.text, "right": right_ids[a.match], **own[i]}
                 for i, a in enumerate(q.answers) if a.text]
        # Distractors (an empty left side) only add right choices.
        order = [{"text": a.text, "match": a.match, **own[i]} for i, a in enumerate(q.answers)]
        return {"pairs": pairs, "rights": [{"id": right_ids[t], "text": t} for t in rights],
                "source": order}

    def to_parsed_fields(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"answers": [ParsedAnswer(text=s["text"], match=s["match"],
                                         text_format=s.get("text_format", ""))
                            for s in data.get("source", [])]}

    def option_ids(self, data: Mapping[str, Any]) -> list[str]:
        return [r["id"] for r in data["rights"]]

    def options(self, data: Mapping[str, Any], order: list[str] | None) -> list[dict[str, str]]:
        by_id = {r["id"]: r for r in data["rights"]}
        return [{"id": i, "text": by_id[i]["text"]} for i in (order or list(by_id)) if i in by_id]

    def public_keys(self, data: Mapping[str, Any]) -> list[str]:
        return [p["id"] for p in data["pairs"]] + self.option_ids(data)

    def map_ids(self, response: Any, mapping: Callable[[str], str]) -> Any:
        if not isinstance(response, dict):
            return response
        return {mapping(k) if isinstance(k, str) else k: mapping(v) if isinstance(v, str) else v
                for k, v in response.items()}

    def check(self, data: Mapping[str, Any], response: Any) -> dict[str, str]:
        lefts = {p["id"] for p in data["pairs"]}
        rights = {r["id"] for r in data["rights"]}
        if not isinstance(response, dict) or not all(
                k in lefts and isinstance(v, str) and v in rights for k, v in response.items()):
            raise ResponseError("response", _("Give an object mapping left ids to right ids."))
        return dict(sorted(response.items()))

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        pairs = data["pairs"]
        if not pairs:
            return 0.0
        response = response or {}
        return sum(1 for p in pairs if response.get(p["id"]) == p["right"]) / len(pairs)

    def right_answer(self, data: Mapping[str, Any]) -> str:
        rights = {r["id"]: r["text"] for r in data["rights"]}
        return "; ".join(f"{p['text']} → {rights[p['right']]}" for p in data["pairs"])


@register
class Essay(QuestionType):
    """A free text graded by a lecturer."""

    name = "essay"
    label = _l("Essay")
    manual = True
    EXTRAS = ("response_template", "grader_info")

    def from_parsed(self, q: ParsedQuestion) -> dict[str, Any]:
        return {k: getattr(q, k) for k in self.EXTRAS if getattr(q, k)}

    def to_parsed_fields(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {k: data[k] for k in self.EXTRAS if data.get(k)}

    def check(self, data: Mapping[str, Any], response: Any) -> str:
        if not isinstance(response, str):
            raise ResponseError("response", _("Type a text answer."))
        if len(response) > 20_000:
            raise ResponseError("response", _("The answer is too long."))
        return unicodedata.normalize("NFC", response)

    def grade(self, data: Mapping[str, Any], response: Any) -> float | None:
        return None


@register
class Description(QuestionType):
    """Text shown between questions: no answer, no marks (Moodle's description)."""

    name = "description"
    label = _l("Description")
    max_points = 0.0

    def from_parsed(self, q: ParsedQuestion) -> dict[str, Any]:
        return {}

    def to_parsed_fields(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def check(self, data: Mapping[str, Any], response: Any) -> Any:
        raise ResponseError("response", _("This is a description: it takes no answer."))

    def grade(self, data: Mapping[str, Any], response: Any) -> float | None:
        return None
