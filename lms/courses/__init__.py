"""Courses: content as files, lessons and their delivery."""

from flask import Blueprint

bp = Blueprint("courses", __name__, url_prefix="/courses")
