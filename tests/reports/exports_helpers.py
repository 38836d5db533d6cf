"""Shared export test data: Vietnamese names, a sample class report and row builders."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from lms.reports.exports import STATUS_LABELS, ClassReport, LearnerRow

HUYEN = "Nguyễn Thị Ngọc Huyền"
LAN = "Đặng Thị Ỷ Lan"
UNG = "Trần Hữu Ưng"
UNIT = "Phòng Cơ yếu, Văn phòng Tỉnh ủy Quảng Ngãi"
CLASS_NAME = "Bồi dưỡng Quản lý nhà nước về Cơ yếu khóa 3"


# 2025-03-04 18:30 UTC is 01:30 on 05/03 in Hà Nội (UTC+7).
COMPLETED = datetime(2025, 3, 4, 18, 30, tzinfo=UTC)
ACTIVE = datetime(2025, 3, 6, 2, 0, tzinfo=UTC)
GENERATED = datetime(2025, 3, 31, 20, 0, tzinfo=UTC)  # 01/04/2025 in Hà Nội


def make_row(full_name: str = HUYEN, **changes: Any) -> LearnerRow:
    row = LearnerRow(
        username="huyen.nt",
        full_name=full_name,
        unit=UNIT,
        position="Chuyên viên",
        status="completed",
        lessons_done=10,
        lessons_total=10,
        best_score10=8.5,
        classification="Giỏi",
        completed_at=COMPLETED,
        last_activity_at=ACTIVE,
    )
    return replace(row, **changes)


def three_rows() -> tuple[LearnerRow, ...]:
    return (
        make_row(),
        make_row(LAN, username="lan.dt", status="in_progress", lessons_done=4,
                 best_score10=6.25, classification="Trung bình", completed_at=None),
        make_row(UNG, username="ung.th", status="not_started", lessons_done=0,
                 best_score10=None, classification="", completed_at=None,
                 last_activity_at=None),
    )


def make_report(learners: tuple[LearnerRow, ...] | None = None, **changes: Any) -> ClassReport:
    report = ClassReport(
        class_code="QLNN-CY-K3",
        class_name=CLASS_NAME,
        course_title="Quản lý nhà nước về Cơ yếu",
        start_date=date(2025, 3, 1),
        end_date=date(2025, 3, 31),
        generated_at=GENERATED,
        learners=three_rows() if learners is None else learners,
        lesson_funnel=(("Bài 1: Tổng quan về cơ yếu", 3), ("Bài 2: Quản lý mật mã", 1)),
        score_bins=(("0–5", 0), ("5–6,5", 1), ("6,5–8", 0), ("8–9", 1), ("9–10", 0)),
        completions_over_time=(("01/03", 0.0), ("04/03", 1.0), ("05/03", 1.0)),
    )
    return replace(report, **changes)


def many_rows(n: int) -> tuple[LearnerRow, ...]:
    statuses = list(STATUS_LABELS)
    return tuple(
        make_row(f"{HUYEN} {i:04d}", username=f"hv{i:04d}", status=statuses[i % 4],
                 best_score10=None if i % 4 == 0 else (i % 101) / 10,
                 completed_at=COMPLETED if i % 4 == 2 else None)
        for i in range(n)
    )
