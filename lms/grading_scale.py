"""Classification of a score on the 10-point scale (xếp loại), configurable.

``LMS_CLASSIFICATION`` lists ``threshold:label`` pairs, highest first; a score gets the
label of the first threshold it reaches. The default follows common Vietnamese practice.
"""

from __future__ import annotations

from flask import current_app

DEFAULT_CLASSIFICATION = "9:Xuất sắc,8:Giỏi,6.5:Khá,5:Trung bình,0:Không đạt"


def parse_classification(spec: str) -> list[tuple[float, str]]:
    """Parse ``"9:Xuất sắc,8:Giỏi,…"``; raises ``ValueError`` naming the bad part."""
    pairs = []
    for part in spec.split(","):
        threshold, sep, label = part.partition(":")
        if not sep or not label.strip():
            raise ValueError(f"LMS_CLASSIFICATION: {part!r} is not threshold:label")
        try:
            value = float(threshold.strip().replace(",", "."))
        except ValueError as exc:
            raise ValueError(f"LMS_CLASSIFICATION: {threshold!r} is not a number") from exc
        if not 0 <= value <= 10:
            raise ValueError(f"LMS_CLASSIFICATION: {value} is outside 0..10")
        pairs.append((value, label.strip()))
    pairs.sort(key=lambda p: -p[0])
    if not pairs or pairs[-1][0] != 0:
        raise ValueError("LMS_CLASSIFICATION: the lowest threshold must be 0")
    return pairs


def classify(score10: float | None) -> str:
    """The classification label of ``score10`` ("" when there is no score)."""
    if score10 is None:
        return ""
    for threshold, label in current_app.config["LMS_CLASSIFICATION"]:
        if score10 + 1e-9 >= threshold:
            return label
    return ""
