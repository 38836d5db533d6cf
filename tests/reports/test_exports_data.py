"""Class report exports: derived figures, data checks, number formats and the JSON shape."""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfoNotFoundError

import pytest

from lms.reports.exports import format_percent, format_score10, to_json
from tests.reports.exports_helpers import (
    ACTIVE,
    COMPLETED,
    HUYEN,
    LAN,
    UNG,
    make_report,
    make_row,
    three_rows,
)

# ------------------------------------------------------------------------------- data


def test_derived_figures() -> None:
    report = make_report()
    assert (report.total, report.completed) == (3, 1)
    assert report.completion_percent == pytest.approx(100 / 3)
    assert report.average_score10 == pytest.approx((8.5 + 6.25) / 2)  # None is skipped


def test_derived_figures_of_an_empty_class() -> None:
    report = make_report(())
    assert (report.total, report.completed, report.completion_percent) == (0, 0, 0.0)
    assert report.average_score10 is None


def test_text_is_stored_nfc_and_datetimes_as_aware_utc() -> None:
    row = make_row(unicodedata.normalize("NFD", HUYEN),
                   completed_at=datetime(2025, 3, 5, 1, 30, tzinfo=timezone(timedelta(hours=7))),
                   last_activity_at=datetime(2025, 3, 6, 2, 0))  # naive: taken as UTC
    assert row.full_name == HUYEN
    assert row.completed_at == COMPLETED
    assert row.completed_at.tzinfo is UTC
    assert row.last_activity_at == ACTIVE
    score = make_row(best_score10=Decimal("8.50")).best_score10
    assert type(score) is float and score == 8.5


def test_invalid_data_is_refused() -> None:
    with pytest.raises(ValueError, match="status"):
        make_row(status="done")
    with pytest.raises(ValueError, match="finite"):
        make_row(best_score10=math.nan)
    with pytest.raises(ZoneInfoNotFoundError):
        make_report(timezone="Asia/Hanoi_Nowhere")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(8.5, "8,5"), (9, "9,0"), (8.25, "8,3"), (6.349, "6,3"), (10.0, "10,0"), (0, "0,0"),
     (None, "")],
)
def test_score_has_one_decimal_rounded_half_up_with_a_comma(
        value: float | None, expected: str) -> None:
    assert format_score10(value) == expected


def test_percent_format() -> None:
    assert format_percent(200 / 3) == "66,7%"
    assert format_percent(100.0) == "100,0%"


# ----------------------------------------------------------------------------- JSON


def test_json_shape_is_exact() -> None:
    assert to_json(make_report()) == {
        "class": "QLNN-CY-K3",
        "learners": [
            {"username": "huyen.nt", "full_name": HUYEN, "status": "completed",
             "lessons_done": 10, "lessons_total": 10, "best_score10": 8.5,
             "completed_at": "2025-03-04T18:30:00Z"},
            {"username": "lan.dt", "full_name": LAN, "status": "in_progress",
             "lessons_done": 4, "lessons_total": 10, "best_score10": 6.25,
             "completed_at": None},
            {"username": "ung.th", "full_name": UNG, "status": "not_started",
             "lessons_done": 0, "lessons_total": 10, "best_score10": None,
             "completed_at": None},
        ],
    }


def test_json_is_serialisable_nfc_and_in_utc() -> None:
    local = datetime(2025, 3, 5, 1, 30, tzinfo=timezone(timedelta(hours=7)))
    row = make_row(unicodedata.normalize("NFD", LAN), completed_at=local)
    data = json.loads(json.dumps(to_json(make_report((row,)))))
    assert data["learners"][0]["full_name"] == LAN
    assert data["learners"][0]["completed_at"] == "2025-03-04T18:30:00Z"


def test_json_keeps_the_callers_order() -> None:
    rows = three_rows()[::-1]
    assert [x["username"] for x in to_json(make_report(rows))["learners"]] == [
        "ung.th", "lan.dt", "huyen.nt"]
