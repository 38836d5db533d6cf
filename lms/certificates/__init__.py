"""Certificates: signed PDF giấy chứng nhận, public verification, revocation, bulk issue."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
