"""``lms worker``: run the Huey consumer (background jobs and periodic tasks)."""

from __future__ import annotations

import click
from flask import current_app

from lms.jobs import huey


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def worker_command(workers: int) -> None:
    """Run the job consumer until interrupted."""
    if huey.immediate:
        raise click.ClickException("jobs run inline in this configuration (testing)")
    import lms.classes.tasks
    import lms.quizzes.tasks  # noqa: F401

    click.echo(f"lms worker: {huey.storage.__class__.__name__}, {workers} threads "
               f"({current_app.config['LMS_ENV']})")
    from lms.certificates.services import warm_render_pool

    if warmed := warm_render_pool():
        click.echo(f"lms worker: {warmed} certificate render processes ready")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()
