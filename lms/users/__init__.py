"""Account administration for admins (list, create, edit, deactivate, reset)."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/admin/users")
