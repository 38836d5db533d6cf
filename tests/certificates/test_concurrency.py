"""Two issue runs at once on a real database: one valid certificate per learner, no
duplicate serial."""

from __future__ import annotations

import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.certificates.services import issue_for_class
from lms.classes.models import Class
from lms.extensions import db
from tests.certificates.conftest import completed_class
from tests.conftest import make_app
from tests.quizzes.test_concurrency import scratch_url  # noqa: F401  (fixture)


@pytest.mark.postgres
def test_two_concurrent_runs_issue_each_certificate_once(scratch_url: str,  # noqa: F811
                                                        signing_keys) -> None:
    app = make_app(scratch_url, LMS_SIGNING_KEY=signing_keys[0],
                   LMS_SIGNING_CERT=signing_keys[1])
    with app.app_context():
        upgrade()
        klass, _ = completed_class(6, "K1")
        db.session.commit()
        class_id = klass.id
        db.session.remove()
    barrier = threading.Barrier(2, timeout=60)
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                klass = db.session.get(Class, class_id)
                db.session.commit()
                barrier.wait()
                issue_for_class(klass, None)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with app.app_context():
        valid = db.session.scalar(select(func.count(Certificate.id)).where(
            Certificate.status == "valid"))
        serials = db.session.scalars(select(Certificate.serial)).all()
        per_user = db.session.execute(select(Certificate.user_id, func.count(Certificate.id))
                                      .group_by(Certificate.user_id)).all()
        assert valid == 6 and len(serials) == len(set(serials))
        assert all(n == 1 for _u, n in per_user)
        db.engine.dispose()
