"""``lms worker``: run the Huey consumer (background jobs and periodic tasks)."""

from __future__ import annotations

import signal

import click
from flask import current_app

from lms.jobs import huey


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@click.option("--graceful-signal", type=click.Choice(["INT", "TERM"]), default="INT",
              show_default=True,
              help="The signal that lets running jobs finish (the other stops at once).")
def worker_command(workers: int, graceful_signal: str) -> None:
    """Run the job consumer until interrupted."""
    if huey.immediate:
        raise click.ClickException("jobs run inline in this configuration (testing)")
    import lms.audit.tasks
    import lms.auth.tasks
    import lms.classes.tasks
    import lms.quizzes.tasks  # noqa: F401

    click.echo(f"lms worker: {huey.storage.__class__.__name__}, {workers} threads "
               f"({current_app.config['LMS_ENV']})")
    from lms.certificates.keys import check_signing
    from lms.certificates.services import warm_render_pool
    from lms.config import ConfigError
    from lms.extensions import db

    try:
        signer = check_signing()
    except ConfigError as exc:  # one line, never a traceback at the first issue
        raise click.ClickException(f"configuration error: {exc}") from None
    click.echo(f"lms worker: certificates signed with {signer}" if signer else
               "lms worker: no signing key yet (lms certificates init-keys)")

    # Huey handles SIGINT and SIGTERM once the consumer runs; a stop asked for while the
    # render processes start is kept until they are ready, then honoured quietly (no
    # KeyboardInterrupt halfway through starting them, no traceback from them).
    stop: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda received, _frame: stop.append(received))
    try:
        warmed = warm_render_pool()
    finally:
        # Start-up read the key history: its transaction must not stay open in the
        # consumer's main thread (on SQLite, CLI work begins IMMEDIATE: the write lock).
        db.session.remove()
    if warmed:
        click.echo(f"lms worker: {warmed} certificate render processes ready")
    if stop:
        click.echo("lms worker: stopped while starting")
        return
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    graceful_signal=graceful_signal)
    consumer.run()  # installs Huey's own signal handlers
