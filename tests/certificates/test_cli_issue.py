"""``lms certificates issue`` (issue 15, "The worker path on SQLite"): a missing signing key
is one line, inline as queued, and the queued command's polling never holds a transaction
while it waits (the worker could not take the SQLite write lock behind it)."""

from __future__ import annotations

from sqlalchemy import event, func, select

from lms.certificates.models import Certificate, IssueRun
from lms.extensions import db
from tests.certificates.conftest import completed_class


def test_inline_without_a_signing_key_says_so_in_one_line(app, runner, tmp_path) -> None:
    klass, _learners = completed_class(n=1)
    db.session.commit()
    saved = app.config["LMS_SIGNING_KEY"], app.config["LMS_SIGNING_CERT"]
    app.config.update(
        LMS_SIGNING_KEY=str(tmp_path / "missing-key.pem"),
        LMS_SIGNING_CERT=str(tmp_path / "missing-cert.pem"),
    )
    try:
        result = runner.invoke(args=["certificates", "issue", "--class", klass.code, "--inline"])
    finally:
        app.config.update(LMS_SIGNING_KEY=saved[0], LMS_SIGNING_CERT=saved[1])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.strip().splitlines()
    # a configured key file that is not there is named (a configuration error, as
    # `lms worker` and the server say it at start-up)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: signing: LMS_SIGNING_KEY "), result.output
    assert lines[0].endswith("missing-key.pem does not exist"), result.output
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_inline_with_no_signing_key_at_all_says_so_in_one_line(app, runner, monkeypatch) -> None:
    from lms.certificates import services

    klass, _learners = completed_class(n=1)
    db.session.commit()

    def nothing_configured() -> None:
        raise services.SigningNotConfigured(
            "no signing key: run `lms certificates init-keys` or set LMS_SIGNING_KEY")

    monkeypatch.setattr(services, "signing_material", nothing_configured)
    result = runner.invoke(args=["certificates", "issue", "--class", klass.code, "--inline"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.output.strip().splitlines() == [
        "Error: no signing key: run `lms certificates init-keys` or set LMS_SIGNING_KEY"
    ], result.output
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_polling_ends_its_transaction_before_each_wait(app, runner, monkeypatch) -> None:
    """Each poll is a short read: the session is removed (transaction ended, connection
    returned) after each read and before each wait, and the read declares no write intent
    (on SQLite a plain BEGIN, not BEGIN IMMEDIATE, which takes the write lock)."""
    import lms.certificates.cli as cli
    from lms.db import write_intent
    from lms.jobs import huey

    klass, _learners = completed_class(n=2)
    db.session.commit()
    queued: list[int] = []
    monkeypatch.setattr(huey, "_immediate", False)
    monkeypatch.setattr(
        "lms.certificates.tasks.enqueue_after_commit", lambda _task, run_id: queued.append(run_id)
    )
    trail: list[str] = []
    worker_busy: list[bool] = []

    def on_execute(_conn, _cursor, statement, *_args) -> None:
        if worker_busy:
            return
        if statement.lstrip().upper().startswith("SELECT") and "certificate_runs" in statement:
            trail.append("read-for-write" if write_intent.get() else "read")

    # The suite's session outlives requests (its remove() does nothing): record the calls.
    session = db.session
    monkeypatch.setattr(session, "remove", lambda: trail.append("remove"))

    def fake_sleep(_seconds: float) -> None:
        trail.append("sleep")
        if trail.count("sleep") == 2:  # the worker does the job between two polls
            worker_busy.append(True)
            run = db.session.get(IssueRun, queued[0])
            run.status, run.done, run.total, run.issued = "done", 2, 2, 2
            db.session.commit()
            worker_busy.clear()

    monkeypatch.setattr(cli.time, "sleep", fake_sleep)
    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        result = runner.invoke(args=["certificates", "issue", "--class", klass.code])
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    assert result.exit_code == 0, result.output
    assert "2 certificates issued" in result.output and queued
    polls = trail[trail.index("read") :] if "read" in trail else trail
    assert polls == ["read", "remove", "sleep"] * 2 + ["read", "remove"], trail
