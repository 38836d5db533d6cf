"""``legal.toml``: the documents a course relies on, their status over time, and problems
named at their line (issue 13)."""

from __future__ import annotations

from datetime import date

import pytest

from lms.courses.files_model import Problem
from lms.legal.registry import read_registry

GOOD = '''reviewed_on = 2026-12-05

[[document]]
number = "29/2018/QH14"
kind = "Luật"
title = "Luật Bảo vệ bí mật nhà nước"
issuer = "Quốc hội"
signed = 2018-11-15
effective = 2020-07-01
status = "replaced"
replaced_by = "117/2025/QH15"
status_date = 2026-03-01
source = "https://example.gov.vn/29-2018"

[[document]]
number = "117/2025/QH15"
kind = "Luật"
title = "Luật Bảo vệ bí mật nhà nước"
issuer = "Quốc hội"
signed = 2025-12-10
effective = 2026-03-01
status = "in_force"
source = "https://example.gov.vn/117-2025"
'''


def _read(text: str) -> tuple[object, list[Problem]]:
    problems: list[Problem] = []
    return read_registry(problems, "ql/legal.toml", text), problems


def test_status_at_a_date() -> None:
    registry, problems = _read(GOOD)
    assert problems == [] and registry.reviewed_on == date(2026, 12, 5)
    old, new = registry.get("29/2018/QH14"), registry.get("117/2025/QH15")
    assert [old.in_force(d) for d in (date(2020, 6, 30), date(2026, 2, 28), date(2026, 3, 1))] \
        == [False, True, False]
    assert [new.state(d) for d in (date(2026, 2, 28), date(2026, 3, 1))] == ["not_yet",
                                                                              "in_force"]
    assert old.state(date(2026, 12, 5)) == "replaced"


@pytest.mark.parametrize(("old", "new", "line", "says"), [
    ('replaced_by = "117/2025/QH15"\n', "", 10, "replaced_by"),
    ('status_date = 2026-03-01\n', 'status_date = "01/03/2026"\n', 12, "YYYY-MM-DD"),
    ('source = "https://example.gov.vn/117-2025"', 'source = "báo"', 23, "https://"),
    ('replaced_by = "117/2025/QH15"', 'replaced_by = "117/2025/QH16"', 3, "does not list"),
    ('kind = "Luật"\ntitle = "Luật Bảo vệ bí mật nhà nước"\nissuer = "Quốc hội"\nsigned = 2025',
     'kind = "Luat"\ntitle = "Luật Bảo vệ bí mật nhà nước"\nissuer = "Quốc hội"\nsigned = 2025',
     17, "kind"),
    ('number = "117/2025/QH15"', 'number = "29/2018/QH14"', 15, "listed twice"),
    ("reviewed_on = 2026-12-05\n", "", 1, "reviewed_on"),
])
def test_problems_name_file_and_line(old: str, new: str, line: int, says: str) -> None:
    assert old in GOOD
    registry, problems = _read(GOOD.replace(old, new, 1))
    assert registry is None
    assert any(p.path == "ql/legal.toml" and p.line == line and says in p.reason
               for p in problems), problems


def test_render_reads_back_the_same() -> None:
    from lms.legal.registry import render_registry

    registry, _problems = _read(GOOD)
    again, problems = _read(render_registry(registry))
    assert problems == [] and again == registry
