"""Certificate pages: public verification (by code or uploaded PDF), a learner's own
certificates, and the administrators' list, actions and bulk runs."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from lms.auth.forms import EmptyForm
from lms.auth.login import admin_required
from lms.auth.models import User, matching
from lms.certificates import bp
from lms.certificates.models import Certificate, CertificateEvent, IssueRun
from lms.certificates.services import (
    by_code,
    details_visible,
    reissue,
    revoke,
)
from lms.certificates.tasks import start_run
from lms.certificates.verify_report import build_report
from lms.classes.models import Class
from lms.errors import InvalidInput
from lms.extensions import db, limiter

VERIFY_LIMIT = "30 per minute"


def _dates(snapshot: dict[str, Any]) -> dict[str, date | None]:
    return {key: date.fromisoformat(snapshot[key]) if snapshot.get(key) else None
            for key in ("holder_dob", "completed_on", "issued_on")}


@bp.route("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify(code: str) -> Any:
    """Public verification page: the certificate's data and status, or just “not found”."""
    certificate = by_code(code)
    if certificate is None:
        return render_template("certificates/not_found.html"), 404
    newer = db.session.get(Certificate, certificate.superseded_by_id) \
        if certificate.superseded_by_id else None
    return render_template("certificates/verify.html", c=certificate, s=certificate.snapshot,
                           dates=_dates(certificate.snapshot), newer=newer,
                           details=details_visible(certificate, current_user))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(VERIFY_LIMIT, methods=["POST"])
def verify_file() -> Any:
    """Check an uploaded PDF: signature valid, made by our key, matching a certificate."""
    form = EmptyForm()
    result = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        code = (request.form.get("code") or "").strip()
        if code:
            return redirect(url_for("certificates.verify", code=code))
        upload = request.files.get("file")
        data = upload.read(5 * 1024 * 1024 + 1) if upload else b""
        if not data or len(data) > 5 * 1024 * 1024:
            flash(_("Choose a PDF file of at most 5 MB."), "error")
        else:
            result = build_report(data)
    details = bool(result and result.certificate
                   and details_visible(result.certificate, current_user))
    return render_template("certificates/verify_form.html", form=form, result=result,
                           details=details, outcome=result.outcome_line() if result else "")


@bp.route("/certificates")
@login_required
def mine() -> Any:
    """“Giấy chứng nhận của tôi”: the certificate state of each of the learner's classes,
    in the home page's words."""
    from lms.classes.standing import standings

    return render_template("certificates/mine.html", standings=standings(current_user))


@bp.route("/certificates/<serial>.pdf")
@login_required
def download(serial: str) -> Any:
    """The signed PDF: its holder and admins only (others get 404)."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    if certificate is None or not (current_user.is_admin
                                   or certificate.user_id == current_user.id):
        abort(404)
    return send_file(BytesIO(certificate.pdf), mimetype="application/pdf",
                     download_name=f"{certificate.serial}.pdf", as_attachment=True)


@bp.route("/admin/certificates")
@admin_required
def admin_list() -> Any:
    """All certificates with search (name, serial, code) and filters (class, status)."""
    q = (request.args.get("q") or "").strip()
    status = request.args.get("status") or ""
    code = request.args.get("class") or ""
    query = select(Certificate).order_by(Certificate.issued_at.desc()).limit(500)
    if q:
        like = f"%{q}%"
        # The holder as named on the certificate, or the account (found without case or
        # diacritics: "nguyen" finds "Nguyễn").
        query = query.where(or_(Certificate.serial.ilike(like), Certificate.code.ilike(like),
                                Certificate.snapshot["holder_name"].as_string().ilike(like),
                                Certificate.user_id.in_(select(User.id).where(matching(q)))))
    if status:
        query = query.where(Certificate.status == status)
    if code:
        query = query.join(Class, Class.id == Certificate.class_id).where(Class.code == code)
    classes = db.session.scalars(select(Class).order_by(Class.code)).all()
    return render_template("certificates/admin_list.html", items=db.session.scalars(query).all(),
                           q=q, status=status, class_code=code, classes=classes,
                           form=EmptyForm())


def _certificate(serial: str) -> Certificate:
    return db.one_or_404(select(Certificate).where(Certificate.serial == serial))


@bp.route("/admin/certificates/<serial>", methods=["GET", "POST"])
@admin_required
def admin_detail(serial: str) -> Any:
    """One certificate: history; revoke (after a confirmation) or reissue with a reason."""
    certificate = _certificate(serial)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        action, reason = request.form.get("action"), request.form.get("reason", "")
        if action == "revoke" and request.form.get("confirm") != "1" and reason.strip():
            return render_template("certificates/confirm_revoke.html", c=certificate,
                                   reason=reason.strip(), form=EmptyForm())
        try:
            if action == "revoke":
                revoke(certificate, current_user, reason)
                flash(_("Certificate %(serial)s revoked.", serial=serial), "success")
            elif action == "reissue":
                new = reissue(certificate, current_user, reason)
                flash(_("Reissued as %(serial)s.", serial=new.serial), "success")
            else:
                abort(400)
        except InvalidInput as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
        return redirect(url_for("certificates.admin_detail", serial=serial))
    events = db.session.scalars(select(CertificateEvent).where(
        CertificateEvent.certificate_id == certificate.id).order_by(CertificateEvent.id)).all()
    return render_template("certificates/admin_detail.html", c=certificate, events=events,
                           form=EmptyForm())


@bp.route("/admin/classes/<code>/certificates", methods=["GET", "POST"])
@admin_required
def class_runs(code: str) -> Any:
    """Issue a class's certificates (the selected learners, or explicitly all of them,
    after a confirmation) or zip them."""
    from lms.certificates.services import eligible

    klass = db.one_or_404(select(Class).where(Class.code == code))
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        action = request.form.get("action")
        if action == "zip":
            return _start(klass, "zip", None)
        if action not in ("issue", "issue_all"):
            abort(400)
        selected = None
        if action == "issue":
            selected = sorted({int(x) for x in request.form.getlist("user_id") if x.isdigit()})
            if not selected:
                flash(_("Select the learners to issue to, or use the button for all of them."),
                      "error")
                return redirect(request.path)
        if request.form.get("confirm") == "1":
            return _start(klass, "issue", selected)
        return render_template("certificates/confirm_issue.html", klass=klass, action=action,
                               people=eligible(klass, selected), selected=selected or [],
                               form=EmptyForm())
    waiting = db.session.scalar(select(IssueRun).where(
        IssueRun.class_id == klass.id, IssueRun.kind == "issue",
        IssueRun.status.in_(("queued", "running")), IssueRun.error != "")
        .order_by(IssueRun.id.desc()).limit(1))
    return render_template("certificates/class_runs.html", klass=klass, waiting=waiting,
                           eligible=eligible(klass), form=EmptyForm())


def _start(klass: Class, kind: str, selected: list[int] | None) -> Any:
    try:
        run = start_run(klass, current_user.id, kind, selected)
    except InvalidInput as exc:
        flash(exc.message, "error")
        return redirect(request.path)
    db.session.commit()
    return redirect(url_for("certificates.run_status", run_id=run.id))


@bp.route("/admin/certificate-runs/<int:run_id>")
@admin_required
def run_status(run_id: int) -> Any:
    """Live progress of a run (refreshes itself; no JavaScript needed)."""
    run = db.session.get(IssueRun, run_id)
    if run is None:
        abort(404)
    klass = db.session.get(Class, run.class_id)
    return render_template("certificates/run.html", run=run, klass=klass)


@bp.route("/admin/certificate-runs/<int:run_id>/download")
@admin_required
def run_download(run_id: int) -> Any:
    """A finished zip run's archive."""
    run = db.session.get(IssueRun, run_id)
    if run is None or run.kind != "zip" or run.status != "done" or run.data is None:
        abort(404)
    klass = db.session.get(Class, run.class_id)
    current_app.logger.info("zip of %s downloaded", klass.code)
    return send_file(BytesIO(run.data), mimetype="application/zip", as_attachment=True,
                     download_name=f"giay-chung-nhan-{klass.code}.zip")


@bp.route("/admin/classes/<code>/certificate-preview.pdf")
@admin_required
def preview(code: str) -> Any:
    """The certificate template with sample data and this class's settings (not signed)."""
    from lms.certificates.pdf import render_certificate_pdf, sample_context

    klass = db.one_or_404(select(Class).where(Class.code == code))
    base = current_app.config.get("LMS_BASE_URL", "")
    today = date.today()  # noqa: DTZ011 - a preview, dated like a certificate issued now
    sample = sample_context(
        verify_url=f"{base}/verify/MAUXEMTRUOC2", class_name=klass.name,
        class_code=klass.code, course_title=klass.course.title, completed_on=today,
        issued_on=today, place=klass.certificate_place, issuer_name=klass.certificate_issuer,
        signer_name=klass.certificate_signer_name,
        signer_title=klass.certificate_signer_title,
        issuer_parent=klass.certificate_issuer_parent or None)
    return send_file(BytesIO(render_certificate_pdf(sample)), mimetype="application/pdf",
                     download_name="mau-giay-chung-nhan.pdf")
