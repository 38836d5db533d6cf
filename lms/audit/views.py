"""The administrators' audit page, filterable by action, actor and date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import render_template, request
from sqlalchemy import select

from lms.audit import bp
from lms.audit.models import AuditEntry
from lms.audit.services import ACTIONS, verify_chain
from lms.auth.login import admin_required
from lms.auth.models import User
from lms.extensions import db


@bp.route("/")
@admin_required
def index() -> Any:
    """The latest audit entries with filters, and whether the chain is intact."""
    action = request.args.get("action") or ""
    actor = (request.args.get("actor") or "").strip().lower()
    day = request.args.get("date") or ""
    query = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.actor_id) \
        .order_by(AuditEntry.id.desc()).limit(200)
    if action in ACTIONS:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(User.username == actor)
    if day:
        try:
            start = datetime.strptime(day, "%d/%m/%Y")  # noqa: DTZ007 (a calendar day)
        except ValueError:
            start = None
        if start is not None:
            from datetime import timedelta

            from flask_babel import to_utc

            query = query.where(AuditEntry.created_at >= to_utc(start),
                                AuditEntry.created_at < to_utc(start + timedelta(days=1)))
    rows = db.session.execute(query).all()
    return render_template("audit/index.html", rows=rows, actions=ACTIONS, action=action,
                           actor=actor, day=day, chain=verify_chain())
