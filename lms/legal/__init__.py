"""The legal basis of a course: which documents it relies on and whether they are in force
(issue 13)."""

from flask import Blueprint

bp = Blueprint("legal", __name__)
