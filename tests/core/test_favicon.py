"""The site icon (issue 14, "Running it"): `/favicon.ico` exists and pages link it."""

from __future__ import annotations


def test_the_site_icon_exists(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data.startswith(b"\x00\x00\x01\x00")
    assert 'rel="icon"' in client.get("/auth/login").get_data(as_text=True)
