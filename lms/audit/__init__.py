"""Tamper-evident audit log: append-only, each row hash-chained to the previous one."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
