"""A class whose learners completed it (certificates in manual mode unless asked)."""

from __future__ import annotations

from datetime import date

import pytest

import tests.certificates.softhsm  # noqa: F401  (SOFTHSM2_CONF before any load)
from lms.classes.completion import recompute
from lms.courses.progress import record_activity
from lms.courses.services import LessonDraft, create_lesson, publish
from tests.conftest import make_class, make_course, make_user, reading_not_required


def completed_class(n: int = 3, code: str = "K74-HN", mode: str = "manual"):
    course = reading_not_required(make_course(f"ql-{code.lower()}", "Quản lý nhà nước về Cơ yếu"))
    author = make_user("lecturer")
    lesson = create_lesson(course, author, LessonDraft("Bài 1", 10, [], "x"))
    publish(lesson, author)
    names = ["Nguyễn Thị Ngọc Huyền", "Đặng Thị Ỷ Lan", "Nguyễn Hữu Ưng", "Trần Văn Đức",
             "Lê Thị Ánh"]
    learners = [make_user("learner", full_name=names[i % len(names)],
                          date_of_birth=date(1975, 9, 2), unit="Sở Nội vụ tỉnh Hà Tĩnh")
                for i in range(n)]
    klass = make_class(course, code, learners=tuple(learners))
    klass.certificate_mode = mode
    klass.certificate_signer_name = "Nguyễn Văn Hòa"
    for learner in learners:
        record_activity(learner.id, lesson.id, complete=True)
    recompute(klass)
    return klass, learners


@pytest.fixture
def done_class(app):
    return completed_class()


@pytest.fixture(scope="session")
def soft_token():
    """A SoftHSM2 token with three keys and their certificates (once per run)."""
    from tests.certificates.softhsm import create_token, module_path

    module = module_path()
    if module is None:
        pytest.skip("needs softhsm2 (softhsm2-util and libsofthsm2.so)")
    return create_token(module)


@pytest.fixture
def token_app(app, soft_token):
    """The app signing with the token's first key; the process's token session is let go."""
    from lms.certificates import bulk

    saved = dict(app.config)
    app.config.update(soft_token.config())
    yield app
    app.config.clear()
    app.config.update(saved)
    bulk._drop_signer()
    bulk._state.pop("material", None)


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory):
    """The certomancer PKI (root, intermediate, signer, OCSP, CRLs, TSA), served locally."""
    from tests.certificates.pki import start_pki

    pki = start_pki(tmp_path_factory.mktemp("pki"))
    yield pki
    pki.stop()


@pytest.fixture
def pki_app(app, test_pki):
    """The app signing with the certomancer signer key (file) and timestamping at its TSA."""
    from lms.certificates import bulk

    saved = dict(app.config)
    app.config.update(
        LMS_SIGNING_KEY=str(test_pki.key("signer")),
        LMS_SIGNING_CERT=str(test_pki.signer_chain_pem()),
        LMS_TSA_URL=test_pki.tsa_url,
        LMS_TRUST_ROOTS=[str(test_pki.pem("root"))],  # as load_config gives it
        LMS_CERT_WORKERS=1,
    )
    test_pki.up = test_pki.tsa_up = True
    yield app
    test_pki.up = test_pki.tsa_up = True
    app.config.clear()
    app.config.update(saved)
    bulk._drop_signer()
    bulk._state.pop("material", None)
