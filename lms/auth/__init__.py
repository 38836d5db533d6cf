"""Authentication: login, logout, own password, and the session's locale."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")
