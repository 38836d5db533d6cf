"""The verification page gives pyHanko's verdict in the reader's language (issue 14)."""

from __future__ import annotations

import io

from tests.conftest import csrf_from
from tests.no_english import problems


def test_a_file_that_is_no_pdf_is_explained_in_vietnamese(client) -> None:
    token = csrf_from(client, "/verify")
    page = client.post("/verify", data={"file": (io.BytesIO(b"not a pdf at all"), "c.pdf"),
                                        "csrf_token": token}).get_data(as_text=True)
    assert "Chữ ký số: KHÔNG hợp lệ (Đây không phải là tệp PDF đọc được.)" in page
    assert problems(page) == []
