"""Certificates: signed PDF giấy chứng nhận, public verification, revocation, bulk issue."""

import warnings

from flask import Blueprint

# pyHanko imports cryptography's DSA module, which warns at import (a deprecation of DSA,
# which we never use): it would break the one-line start-up messages of web and worker.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")

bp = Blueprint("certificates", __name__)
