"""Reports: class completion exports (CSV, XLSX, JSON, PDF) built in the background."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
