"""Export downloads: queue a job, watch its progress (works without JavaScript), download."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import abort, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from lms.extensions import db
from lms.permissions import get_class_or_404
from lms.reports import bp
from lms.reports.services import MIMETYPES, job_for, request_export, run_export
from lms.security import bare_mimetype


@bp.route("/classes/<code>/export.<fmt>", methods=["POST"])
@login_required
def export(code: str, fmt: str) -> Any:
    """Queue an export of the class report; the page then follows its progress.

    A POST (with CSRF): it creates a job, so a link or a prefetch must not.
    """
    if fmt not in MIMETYPES:
        abort(404)
    klass = get_class_or_404(code, current_user, manage=True)
    job = request_export(klass, current_user.id, fmt)
    db.session.commit()
    run_export(job.id)  # enqueued for the worker (inline when testing)
    return redirect(url_for("reports.export_status", job_id=job.id))


@bp.route("/exports/<int:job_id>")
@login_required
def export_status(job_id: int) -> Any:
    """Progress of an export; refreshes itself until the file is ready."""
    job = job_for(job_id, current_user.id)
    if job is None:
        abort(404)
    db.session.refresh(job)
    return render_template("reports/status.html", job=job)


@bp.route("/exports/<int:job_id>/download")
@login_required
def export_download(job_id: int) -> Any:
    """The finished file (only to the user who asked for it)."""
    job = job_for(job_id, current_user.id)
    if job is None or job.status != "done" or job.data is None:
        abort(404)
    return send_file(BytesIO(job.data), mimetype=bare_mimetype(MIMETYPES[job.format]),
                     as_attachment=True, download_name=job.filename)
