"""Classes (lớp): rosters, enrolments and, later, completion and dashboards."""

from flask import Blueprint

bp = Blueprint("classes", __name__, url_prefix="/classes")
