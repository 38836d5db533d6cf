"""Unbound Flask extensions, bound to an application in :func:`lms.create_app`.

Keeping them here (and not in ``lms/__init__.py``) lets every feature package import
them without import cycles, and nothing is configured at import time.
"""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lms.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared per route (login, verification); nothing is limited by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
