"""Completion reports of a class: built from the dashboard's read model, exported in four
formats. Exports for the web run as background jobs with progress."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from lms.classes.dashboard import class_board
from lms.classes.models import Class
from lms.db import utcnow
from lms.extensions import db
from lms.grading_scale import classify
from lms.jobs import huey, in_app_context
from lms.reports.exports import ClassReport, LearnerRow, to_csv, to_json, to_pdf, to_xlsx
from lms.reports.models import ExportJob

log = logging.getLogger(__name__)

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "pdf": "application/pdf",
}


def build_report(klass: Class) -> ClassReport:
    """The class's completion report (learners in Vietnamese order)."""
    board = class_board(klass, with_lessons=True)
    learners = tuple(
        LearnerRow(
            username=line.user.username, full_name=line.user.full_name,
            unit=line.user.unit or "", position=line.user.position or "", status=line.status,
            lessons_done=line.completion.lessons_done if line.completion else 0,
            lessons_total=line.completion.lessons_total if line.completion else len(board.lessons),
            best_score10=line.completion.best_score10 if line.completion else None,
            classification=classify(line.completion.best_score10) if line.completion else "",
            completed_at=line.completion.completed_at if line.completion else None,
            last_activity_at=line.completion.last_activity_at if line.completion else None,
        )
        for line in board.lines)
    return ClassReport(
        class_code=klass.code, class_name=klass.name, course_title=klass.course.title,
        start_date=klass.start_date, end_date=klass.end_date, generated_at=utcnow(),
        timezone=current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"),
        learners=learners, lesson_funnel=tuple(board.funnel()),
        score_bins=tuple(board.score_bins()),
        completions_over_time=tuple(board.completions_over_time()),
        issuer=klass.certificate_issuer, issuer_parent=klass.certificate_issuer_parent,
        place=klass.certificate_place or "Hà Nội", signer_name=klass.certificate_signer_name)


WRITERS: dict[str, Callable[[ClassReport], bytes]] = {
    "csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf,
    "json": lambda report: json.dumps(to_json(report), ensure_ascii=False, indent=2).encode(),
}


def export_filename(klass: Class, fmt: str) -> str:
    """An ASCII file name such as ``ket-qua-K74-HN.xlsx``."""
    from lms.classes.services import code_for_files

    return f"ket-qua-{code_for_files(klass)}.{fmt}"


def render_export(klass: Class, fmt: str) -> bytes:
    """Build the report and write it in ``fmt``."""
    return WRITERS[fmt](build_report(klass))


def request_export(klass: Class, user_id: int, fmt: str) -> ExportJob:
    """Queue an export; the worker (or the inline queue in tests) builds it."""
    job = ExportJob(class_id=klass.id, user_id=user_id, format=fmt,
                    filename=export_filename(klass, fmt))
    db.session.add(job)
    db.session.flush()
    from lms.audit.services import record

    record("export_request", user_id, f"class:{klass.code}", class_code=klass.code,
           format=fmt, job_id=job.id)
    return job


@huey.task()
@in_app_context
def run_export(job_id: int) -> None:
    """Build an export job's file, reporting progress."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status == "done":
        return
    job.status, job.progress = "running", 10
    db.session.commit()
    try:
        klass = db.session.get(Class, job.class_id)
        report = build_report(klass)
        job.progress = 60
        db.session.commit()
        job.data = WRITERS[job.format](report)
        job.status, job.progress, job.finished_at = "done", 100, utcnow()
    except Exception as exc:
        log.exception("Export %s failed", job_id)
        db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        job.status, job.error, job.finished_at = "failed", str(exc)[:500], utcnow()
    db.session.commit()


def job_for(job_id: int, user_id: int) -> ExportJob | None:
    """A user's own export job."""
    return db.session.scalar(select(ExportJob).where(ExportJob.id == job_id,
                                                     ExportJob.user_id == user_id))
