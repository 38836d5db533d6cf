"""Background jobs with Huey: SQLite storage by default, Redis when ``LMS_REDIS_URL``.

The queue object exists at import (tasks register on it) but uses in-memory, immediate
storage until :func:`init_jobs` binds it to the configured backend; the test suite keeps
it immediate, so jobs run inline. ``lms worker`` runs the consumer; every task runs inside
an application context.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

huey = Huey("lms", immediate=True, utc=True)
_app: Flask | None = None

F = TypeVar("F", bound=Callable[..., Any])


def init_jobs(app: Flask) -> None:
    """Bind the queue to the app's storage (unless testing) and remember the app."""
    global _app
    _app = app
    if app.config.get("TESTING") or app.config.get("LMS_JOBS_IMMEDIATE"):
        huey.immediate = True
        return
    redis_url = app.config.get("LMS_REDIS_URL")
    if redis_url:
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": redis_url}
    else:
        path = Path(app.instance_path) / "huey.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(path)}
    huey.immediate_use_memory = True
    huey._immediate = False
    huey.storage = huey.create_storage()


def in_app_context(func: F) -> F:
    """Run a task inside an application context, with a clean database session."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from flask import has_app_context

        from lms.extensions import db

        if has_app_context():  # immediate mode: already inside the caller's context
            return func(*args, **kwargs)
        if _app is None:
            raise RuntimeError("jobs are not initialised: call init_jobs(app)")
        with _app.app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper  # type: ignore[return-value]


def enqueue_after_commit(task: Any, *args: Any) -> None:
    """Queue ``task(*args)`` once the current transaction commits (dropped on rollback).

    A job queued before the commit could run before its data is visible. In immediate
    mode (tests) the task runs at once, inside the current transaction.
    """
    from lms.extensions import db

    if huey.immediate:
        task.call_local(*args)
        return
    session = db.session()
    session.info.setdefault("lms_after_commit", []).append((task, args))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for task, args in session.info.pop("lms_after_commit", []):
        task(*args)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop("lms_after_commit", None)
