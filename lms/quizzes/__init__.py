"""Quizzes: question banks, timed attempts, grading and statistics."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__)
