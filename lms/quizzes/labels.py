"""How staff pages name questions and their options: the question's text (plain,
shortened) and its options lettered A, B, C… in their stored order, never internal ids
(``b01-q09``, ``a2``); question types by their human names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from lms.i18n import format_answer_number as show
from lms.quizzes import bp
from lms.quizzes.render import text_html
from lms.quizzes.types import type_label

_SPACES = re.compile(r"\s+")


bp.app_template_global("type_label")(type_label)  # the registry's labels (types.py)


@bp.app_template_global()
def letter(index: int) -> str:
    """A, B, … Z, then AA, AB …"""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


@bp.app_template_global()
def plain_text(text: str, text_format: str = "moodle", limit: int = 0) -> str:
    """A question or option text as one line of plain text, cut to ``limit`` characters."""
    flat = _SPACES.sub(" ", text_html(text, text_format).striptags()).strip()
    if limit and len(flat) > limit:
        flat = flat[:limit - 1].rstrip() + "…"
    return flat


def _own(item: Mapping[str, Any], fmt: str) -> str:
    return item.get("text_format") or fmt


@bp.app_template_global()
def lettered(version: Any, limit: int = 80) -> list[dict[str, str]]:
    """A version's options as ``{"letter", "id", "text"}`` in stored order: choices and
    accepted answers, "True"/"False", or a matching question's pairs."""
    data, fmt = version.data, version.text_format
    if version.type == "true_false":
        texts = [("true", _("True")), ("false", _("False"))]
    elif version.type == "matching":
        rights = {r["id"]: r["text"] for r in data.get("rights", [])}
        texts = [(p["id"], f"{plain_text(p['text'], _own(p, fmt))} → "
                           f"{plain_text(rights.get(p['right'], ''), fmt)}")
                 for p in data.get("pairs", [])]
    elif version.type == "numerical":
        texts = [(a["id"], _number_answer(a)) for a in data.get("answers", [])]
    else:
        texts = [(a["id"], plain_text(a["text"], _own(a, fmt)))
                 for a in data.get("answers", [])]
    return [{"letter": letter(i), "id": key,
             "text": text if not limit or len(text) <= limit else text[:limit - 1] + "…"}
            for i, (key, text) in enumerate(texts)]


def _number_answer(answer: Mapping[str, Any]) -> str:
    if answer.get("low") is not None and answer.get("high") is not None:
        return f"{show(answer['low'])} – {show(answer['high'])}"
    if answer.get("value") is None:
        return _("any other number")
    tolerance = answer.get("tolerance") or 0
    return show(answer["value"]) + (f" ± {show(tolerance)}" if tolerance else "")


def option_labels(version: Any) -> dict[str, str]:
    """Option id → "A. text", for item analysis."""
    return {o["id"]: f"{o['letter']}. {o['text']}" for o in lettered(version)}
