"""elearn — the MRE Academy learning platform.

``create_app`` only wires things together: configuration, extensions, blueprints, CLI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from elearn.config import PROJECT_ROOT, engine_options, load_config
from elearn.core.db import RowId
from elearn.core.edge import App
from elearn.core.jsonio import SafeJSONProvider
from elearn.core.security import Request
from elearn.core.sessions import SessionInterface


def create_app(config: dict[str, Any] | None = None) -> Flask:
    instance = Path(os.environ.get("ELEARN_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    app = App(__name__, instance_path=str(instance.resolve()), instance_relative_config=False)
    app.json = SafeJSONProvider(app)
    app.request_class = Request
    app.session_interface = SessionInterface()
    app.url_map.converters["int"] = RowId
    app.config.update(load_config(os.environ, Path(app.instance_path)))
    if config:
        app.config.update(config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    _init_extensions(app)
    _connect_domains()
    _register_blueprints(app)

    if app.config["PROXY_COUNT"]:
        # The client's address and the scheme come from the proxy; the host never does: the
        # documented nginx passes the client's own Host and forwards a client-sent
        # X-Forwarded-Host untouched, so trusting it would only let anyone choose the host.
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0)  # type: ignore[method-assign]
    return app


def _init_extensions(app: Flask) -> None:
    from elearn import models  # noqa: F401 - every table known to SQLAlchemy and Alembic
    from elearn.accounts import auth, passwords
    from elearn.core import assets, errors, logs, security
    from elearn.core.db import close_sessions_safely, configure_engine
    from elearn.extensions import babel, csrf, db, limiter, login_manager
    from elearn.i18n import formatting, locale
    from elearn.jobs import queue
    from elearn.learning import progress
    from elearn.media import storage
    from elearn.quizzes import results as quiz_results

    logs.init_app(app)  # first: every later hook's lines carry the request id
    db.init_app(app)
    close_sessions_safely(app, db)
    with app.app_context():
        configure_engine(db.engine)
    babel.init_app(app, locale_selector=locale.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    passwords.configure(**app.config["PASSWORD_HASH_COST"])
    auth.init_app(app)
    storage.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    locale.init_app(app)
    formatting.init_app(app)
    _declare_jobs()
    queue.init_app(app)
    # progress sits below quizzes: it is handed the reader of quiz results, never imports it
    progress.read_quiz_results_with(quiz_results.of)


def _declare_jobs() -> None:
    """Each domain declares its kinds of job and its periodic work in its ``tasks`` module;
    importing them registers them (``jobs.registry``) before the queue is built."""
    from elearn.accounts import welcome  # noqa: F401
    from elearn.authoring import notices as authoring_notices  # noqa: F401
    from elearn.authoring import tasks as authoring_tasks  # noqa: F401
    from elearn.cohorts import notices as cohorts_notices  # noqa: F401
    from elearn.cohorts import tasks as cohorts_tasks  # noqa: F401
    from elearn.jobs import mail, tasks  # noqa: F401
    from elearn.learning import notices as learning_notices  # noqa: F401
    from elearn.media import tasks as media_tasks  # noqa: F401
    from elearn.notifications import tasks as notifications_tasks  # noqa: F401
    from elearn.quizzes import tasks as quizzes_tasks  # noqa: F401


def _connect_domains() -> None:
    """Hand lower domains the rules that higher ones own, so imports point one way:
    learning and quizzes learn who follows a trainee or a course from cohorts, the
    Studio shows cohorts' item analysis under its quizzes, and the home page learning's
    panel."""
    from elearn.accounts import home
    from elearn.authoring import studio
    from elearn.cohorts import insight
    from elearn.cohorts import policy as cohorts_policy
    from elearn.learning import policy as learning_policy
    from elearn.learning import services as learning

    learning_policy.register_followers(cohorts_policy.FOLLOWERS)
    studio.show_item_analysis(insight.items)
    home.show_on_home("learning", learning.home_panel)


def _register_blueprints(app: Flask) -> None:
    from elearn.accounts.admin_views import bp as admin_bp
    from elearn.accounts.views import bp as accounts_bp
    from elearn.api import init_app as init_api
    from elearn.authoring.changes_views import bp as studio_changes_bp
    from elearn.authoring.editor_views import bp as studio_editor_bp
    from elearn.authoring.library_views import bp as media_library_bp
    from elearn.authoring.question_views import bp as studio_questions_bp
    from elearn.authoring.quiz_views import bp as studio_quiz_bp
    from elearn.authoring.review_views import bp as studio_review_bp
    from elearn.authoring.views import bp as studio_bp
    from elearn.cohorts.member_views import bp as cohort_members_bp
    from elearn.cohorts.views import bp as cohorts_bp
    from elearn.core.views import bp as core_bp
    from elearn.i18n.views import bp as i18n_bp
    from elearn.jobs.views import bp as jobs_bp
    from elearn.learning.certificate_views import bp as certificates_bp
    from elearn.learning.media_views import bp as course_media_bp
    from elearn.learning.views import bp as learning_bp
    from elearn.media.views import bp as media_bp
    from elearn.notifications.views import bp as notifications_bp
    from elearn.quizzes.views import bp as quizzes_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(course_media_bp)
    app.register_blueprint(studio_bp)
    app.register_blueprint(studio_questions_bp)
    app.register_blueprint(studio_editor_bp)
    app.register_blueprint(studio_changes_bp)
    app.register_blueprint(studio_quiz_bp)
    app.register_blueprint(studio_review_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(cohort_members_bp)
    app.register_blueprint(media_library_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(notifications_bp)
    init_api(app)

    from elearn.commands import register_commands

    register_commands(app)
