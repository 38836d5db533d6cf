"""What a review marks beside each option: ✓ or ✗ (or partial) on what the learner chose,
and which options were right. Keyed by the bank's option ids; the caller maps them to the
attempt's public ids. Only called when the review shows correctness (``verdicts``) or the
right answers (``right_keys``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RIGHT, PARTIAL, WRONG = "right", "partial", "wrong"


def _answers(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(data.get("answers", []))


def verdicts(kind: str, data: Mapping[str, Any], response: Any) -> dict[str, str]:
    """A verdict for each part the learner answered: the chosen options (single and
    multiple choice, true/false: ``"true"``/``"false"``) or the left items (matching)."""
    if response is None:
        return {}
    if kind == "single_choice":
        chosen = next((a for a in _answers(data) if a["id"] == response), None)
        if chosen is None:
            return {}
        fraction = chosen["fraction"]
        return {chosen["id"]: RIGHT if fraction >= 1 else PARTIAL if fraction > 0 else WRONG}
    if kind == "multiple_choice":
        chosen = set(response)
        return {a["id"]: RIGHT if a["fraction"] > 0 else WRONG
                for a in _answers(data) if a["id"] in chosen}
    if kind == "true_false":
        key = "true" if response else "false"
        return {key: RIGHT if bool(response) is bool(data["correct"]) else WRONG}
    if kind == "matching":
        return {p["id"]: RIGHT if response.get(p["id"]) == p["right"] else WRONG
                for p in data["pairs"] if p["id"] in response}
    return {}


def right_keys(kind: str, data: Mapping[str, Any]) -> list[str]:
    """The options that are right (the best ones for single choice)."""
    if kind == "single_choice":
        best = max((a["fraction"] for a in _answers(data)), default=0)
        return [a["id"] for a in _answers(data) if best > 0 and a["fraction"] == best]
    if kind == "multiple_choice":
        return [a["id"] for a in _answers(data) if a["fraction"] > 0]
    if kind == "true_false":
        return ["true" if data["correct"] else "false"]
    return []
