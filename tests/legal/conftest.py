"""Legal-basis fixtures: a copy of the shipped course with a registry and citations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.legal.test_course_files import _cite, first_id, shipped_copy
from tests.legal.test_registry import GOOD


@pytest.fixture
def cited(tmp_path: Path) -> tuple[Path, Path, Path]:
    root = shipped_copy(tmp_path)
    (root / "legal.toml").write_text(GOOD, encoding="utf-8")
    lesson = _cite(root, '"29/2018/QH14"')
    bank = next((root / "questions").glob("01-*.gift"))
    text, key = bank.read_text(encoding="utf-8"), first_id(bank)
    bank.write_text(text.replace(f"// [id:{key}]\n",
                                 f"// [id:{key}]\n// [tag:legal:117/2025/QH15]\n", 1),
                    encoding="utf-8")
    return root, lesson, bank
