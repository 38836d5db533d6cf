"""The audit page shows the verdict of the latest full walk of the chain: it walks again
when an entry or a checkpoint was added, when the locale differs, when that walk is
``LMS_AUDIT_RECHECK_SECONDS`` old, and on every view once the verdict is "tampered".
``lms audit verify`` walks every time. Walks are counted by wrapping the walk itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from sqlalchemy import text

from lms.audit import verify
from lms.audit.checkpoints import make_checkpoint
from lms.audit.services import record
from lms.extensions import db
from tests.audit.conftest import cli, committed
from tests.conftest import Auth, make_user

NOW = "2026-12-05 03:00:00+00:00"  # 10:00 in Hà Nội
INTACT = "Chuỗi nhật ký nguyên vẹn"
TAMPERED = "Nhật ký kiểm toán ĐÃ BỊ CAN THIỆP"


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item per full walk of the chain, wherever it is asked for."""
    calls: list[int] = []
    real = verify._walk

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(verify, "_walk", counting)
    return calls


@pytest.fixture
def page(auth: Auth, client: Any, clock: Any) -> Any:
    """The audit page as an administrator sees it (logged in before the first walk)."""
    auth.login_as(make_user("admin"))
    committed(2)

    def get() -> str:
        response = client.get("/admin/audit/")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return get


def _edit_old_row() -> tuple[int, str]:
    """Edit the oldest entry in place, the head untouched (what a database writer can do);
    its id and former target."""
    first, target = db.session.execute(
        text("SELECT id, target FROM audit_log ORDER BY id LIMIT 1")
    ).one()
    db.session.execute(
        text("UPDATE audit_log SET target = 'someone-else' WHERE id = :id"), {"id": first}
    )
    return first, target


def test_two_views_in_a_row_walk_once(page: Any, walks: list[int]) -> None:
    first, second = page(), page()
    assert INTACT in first and INTACT in second
    assert len(walks) == 1


def test_a_new_entry_or_checkpoint_walks_again(page: Any, walks: list[int]) -> None:
    page()
    record("accommodation", None, "hv.moi", extra_minutes=5)
    db.session.commit()
    assert INTACT in page()
    assert len(walks) == 2
    page()
    assert len(walks) == 2
    make_checkpoint()
    assert INTACT in page()
    assert len(walks) == 3


def test_a_row_edited_in_place_is_reported_once_the_verdict_is_old(
    page: Any, walks: list[int], clock: Any, app: Any
) -> None:
    assert app.config["LMS_AUDIT_RECHECK_SECONDS"] == 600
    page()
    edited, _target = _edit_old_row()
    assert INTACT in page()  # the head did not move: the last verdict stands a while
    clock.shift(599)
    assert INTACT in page()
    assert len(walks) == 1
    clock.shift(2)
    html = page()
    assert TAMPERED in html and f"mục #{edited} đã bị sửa" in html
    assert len(walks) == 2


def test_a_tampered_verdict_is_walked_on_every_view(page: Any, walks: list[int]) -> None:
    page()
    edited, target = _edit_old_row()
    record("accommodation", None, "hv.moi", extra_minutes=5)
    db.session.commit()
    for n in range(2, 5):
        assert TAMPERED in page()
        assert len(walks) == n
    # Put back as it was: the next view walks and finds the chain intact again.
    db.session.execute(
        text("UPDATE audit_log SET target = :t WHERE id = :id"), {"t": target, "id": edited}
    )
    assert INTACT in page()
    assert len(walks) == 5
    page()
    assert len(walks) == 5


def test_the_page_says_when_the_chain_was_checked_in_full(
    page: Any, walks: list[int], clock: Any
) -> None:
    assert "Kiểm tra toàn bộ lúc 05/12/2026 10:00" in page()
    clock.shift(5 * 60)
    assert "Kiểm tra toàn bộ lúc 05/12/2026 10:00" in page()  # the cached walk's time
    clock.shift(6 * 60)
    assert "Kiểm tra toàn bộ lúc 05/12/2026 10:11" in page()
    assert len(walks) == 2


def test_another_locale_walks_again(auth: Auth, page: Any, walks: list[int]) -> None:
    page()
    auth.user.locale = "en"
    db.session.commit()
    html = page()
    assert "Checked in full at 05/12/2026 10:00" in html and "Chain intact" in html
    assert len(walks) == 2


def test_the_cli_walks_every_time(runner: Any, page: Any, walks: list[int]) -> None:
    page()
    for n in (2, 3):
        assert cli(runner, "verify").exit_code == 0
        assert len(walks) == n
