"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``.

Served this way the platform defaults to production settings; a configuration error
prints one line and stops instead of a traceback.
"""

import os
import sys

from lms import create_app
from lms.config import ConfigError

os.environ.setdefault("LMS_ENV", "production")

try:
    app = create_app()
    if app.config["LMS_ENV"] == "production":
        from lms.certificates.keys import check_signing

        with app.app_context():
            check_signing()  # a wrong key or token setting: one line now, not at the first issue
except ConfigError as exc:
    sys.stderr.write(f"lms: configuration error: {exc}\n")
    sys.exit(2)
