"""coyeu-lms: the e-learning platform for the module “Quản lý nhà nước về Cơ yếu”.

:func:`create_app` builds the application from small steps; importing this package has
no side effects.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from flask import Flask, g, request

ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger(__name__)


def create_app(
    config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Flask:
    """Create and configure the application.

    :param config: overrides applied after the environment (tests pass their settings).
    :param environ: the environment to read ``LMS_*`` variables from (default ``os.environ``).
    :raises lms.config.ConfigError: when the configuration is invalid.
    """
    source = os.environ if environ is None else environ
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(Path(source.get("LMS_INSTANCE_PATH") or ROOT / "instance").resolve()),
        instance_relative_config=True,
    )
    _load_config(app, config, environ)
    _bound_int_urls(app)
    _init_extensions(app)
    _register_blueprints(app)
    _connect_features()
    _register_error_handlers(app)
    _register_cli(app)
    return app


def _bound_int_urls(app: Flask) -> None:
    """``<int:…>`` in URLs matches 0…2³¹−1 only: the ids' columns are 32-bit integers, and a
    larger number made PostgreSQL refuse the query (a 500); now it is a plain 404."""
    from werkzeug.routing import IntegerConverter

    class Int32Converter(IntegerConverter):
        def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = Int32Converter


def _load_config(
    app: Flask, config: Mapping[str, Any] | None, environ: Mapping[str, str] | None
) -> None:
    from lms.config import load_config

    env = dict(environ) if environ is not None else None
    app.config.update(load_config(app.instance_path, env))
    if config:
        app.config.update(config)


def _init_extensions(app: Flask) -> None:
    from lms import i18n, request_body, security
    from lms.auth.login import init_login
    from lms.db import WRITE_METHODS, configure_engine, engine_options, write_intent
    from lms.extensions import babel, csrf, db, limiter, migrate
    from lms.jobs import init_jobs

    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    # Batch mode lets SQLite alter tables; compare_type catches column type changes.
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True, compare_type=True,
    )
    request_body.init_app(app)  # first: sizes are checked before CSRF reads a form
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    init_login(app)
    init_jobs(app)
    i18n.init_app(app)
    security.init_app(app)

    @app.before_request
    def _declare_write_intent() -> None:
        # Page views read concurrently; writes queue for the SQLite write lock, except
        # views marked read_first, which read statement by statement and take it only
        # around their write.
        if request.method not in WRITE_METHODS:
            intent: bool | None = False
        else:
            view = app.view_functions.get(request.endpoint or "")
            intent = None if getattr(view, "lms_read_first", False) else True
        g.lms_write_intent = write_intent.set(intent)

    @app.teardown_request
    def _end_write_intent(_exc: BaseException | None) -> None:
        # The request's intent ends with it (a thread serving a CLI command or a test after
        # a request must not inherit "no transaction for reads").
        token = g.pop("lms_write_intent", None)
        if token is not None:
            with suppress(ValueError):  # set in another context: nothing of ours to undo
                write_intent.reset(token)


def _register_blueprints(app: Flask) -> None:
    # Importing a feature's views module attaches its routes to the feature's blueprint.
    from lms.api import auth as _api_auth  # noqa: F401
    from lms.api import certificates as _api_certificates  # noqa: F401
    from lms.api import classes as _api_classes  # noqa: F401
    from lms.api import courses as _api_courses  # noqa: F401
    from lms.api import legal as _api_legal  # noqa: F401
    from lms.api import quizzes as _api_quizzes  # noqa: F401
    from lms.api import views as api_views
    from lms.audit import tasks as _audit_tasks  # noqa: F401  (registers jobs)
    from lms.audit import views as audit_views
    from lms.auth import tasks as _auth_tasks  # noqa: F401  (registers jobs)
    from lms.auth import views as auth_views
    from lms.certificates import views as certificates_views
    from lms.classes import admin_views as _class_admin  # noqa: F401
    from lms.classes import learner_views as _class_learner  # noqa: F401
    from lms.classes import people_views as _class_people  # noqa: F401
    from lms.classes import settings_views as _class_settings  # noqa: F401
    from lms.classes import tasks as _class_tasks  # noqa: F401  (registers jobs)
    from lms.classes import views as classes_views
    from lms.core import views as core_views
    from lms.courses import authoring as _courses_authoring  # noqa: F401
    from lms.courses import views as courses_views
    from lms.legal import views as legal_views
    from lms.quizzes import accommodations as _quiz_accommodations  # noqa: F401
    from lms.quizzes import bank_views as _bank_views  # noqa: F401
    from lms.quizzes import builder as _quiz_builder  # noqa: F401
    from lms.quizzes import file_views as _quiz_files  # noqa: F401
    from lms.quizzes import labels as _quiz_labels  # noqa: F401  (template globals)
    from lms.quizzes import manage as _quiz_manage  # noqa: F401
    from lms.quizzes import question_editor as _question_editor  # noqa: F401
    from lms.quizzes import settings_views as _quiz_settings  # noqa: F401
    from lms.quizzes import tasks as _quiz_tasks  # noqa: F401  (registers jobs)
    from lms.quizzes import views as quizzes_views
    from lms.reports import views as reports_views
    from lms.users import views as users_views

    for module in (core_views, auth_views, users_views, courses_views, quizzes_views,
                   classes_views, reports_views, certificates_views, audit_views, api_views,
                   legal_views):
        app.register_blueprint(module.bp)


def _connect_features() -> None:
    # Features react to each other through hooks and signals (both idempotent).
    from lms.audit.services import connect_events as connect_audit
    from lms.certificates.tasks import connect_events as connect_certificates
    from lms.classes.completion import connect_events as connect_completion
    from lms.legal.services import register_hooks as register_legal
    from lms.quizzes.bank import register_hooks

    register_hooks()
    register_legal()
    connect_completion()
    connect_certificates()
    connect_audit()


def _register_error_handlers(app: Flask) -> None:
    from lms.errors import register_error_handlers

    register_error_handlers(app)


def _register_cli(app: Flask) -> None:
    from lms.cli import register_commands

    register_commands(app)
