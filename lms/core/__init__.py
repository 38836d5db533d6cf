"""Cross-cutting pages: home, health check, language switch."""

from flask import Blueprint

bp = Blueprint("core", __name__)
