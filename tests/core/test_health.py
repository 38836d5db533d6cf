"""The health check."""

from __future__ import annotations

from tests.conftest import make_app


def test_healthz_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_is_down(tmp_path) -> None:
    # A PostgreSQL URL on a port where nothing listens: the database is unreachable.
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "error"}
