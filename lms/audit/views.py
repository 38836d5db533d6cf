"""The administrators' audit page, filterable by action, actor and date, newest first,
a page at a time; each entry reads as a sentence (lms/audit/sentences.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import render_template, request
from flask_babel import to_utc
from sqlalchemy import select

from lms.audit import bp
from lms.audit.models import AuditEntry
from lms.audit.page_check import chain_status
from lms.audit.sentences import action_label, describe
from lms.audit.services import ACTIONS
from lms.auth.login import admin_required
from lms.auth.models import User
from lms.extensions import db

PAGE_SIZE = 50


@bp.route("/")
@admin_required
def index() -> Any:
    """The latest audit entries with filters, and whether the chain is intact (the
    latest full walk's verdict, lms/audit/page_check.py)."""
    action = request.args.get("action") or ""
    actor = (request.args.get("actor") or "").strip().lower()
    day = request.args.get("date") or ""
    before = request.args.get("before", type=int)
    query = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.actor_id) \
        .order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)
    if action in ACTIONS:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(User.username == actor)
    if before:
        query = query.where(AuditEntry.id < before)
    if day:
        try:
            start = datetime.strptime(day, "%d/%m/%Y")  # noqa: DTZ007 (a calendar day)
        except ValueError:
            start = None
        if start is not None:
            query = query.where(AuditEntry.created_at >= to_utc(start),
                                AuditEntry.created_at < to_utc(start + timedelta(days=1)))
    rows = db.session.execute(query).all()
    status = chain_status()
    older = rows[PAGE_SIZE - 1][0].id if len(rows) > PAGE_SIZE else None
    filters = {k: v for k, v in (("action", action), ("actor", actor), ("date", day)) if v}
    return render_template("audit/index.html", lines=describe(rows[:PAGE_SIZE]),
                           actions=[(a, action_label(a)) for a in ACTIONS], action=action,
                           actor=actor, day=day, chain=status.check,
                           checked_at=status.checked_at, older=older,
                           newest=bool(before), filters=filters)
