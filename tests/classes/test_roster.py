"""Roster import into the database: linking, creation with codes, all-or-nothing,
activation, and the web flow (upload, preview, confirm)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lms.auth.models import User
from lms.classes.models import ActivationCode, ClassCompletion, Enrolment
from lms.classes.roster import activate, import_roster
from lms.classes.roster_io import RosterError, read_roster
from lms.db import utcnow
from lms.extensions import db
from tests.conftest import Auth, csrf_from, make_class, make_course, make_user

CSV = ("\ufeffSTT;Họ và tên;Ngày sinh;Đơn vị công tác;Chức vụ;Email\n"
       "1;Nguyễn Văn An;02/09/1975;Sở Nội vụ tỉnh Hà Tĩnh;Phó Giám đốc;an@example.vn\n"
       "2;Trần Thị Ánh;15/05/1980;UBND tỉnh Sơn La;Chánh Văn phòng;\n"
       "3;Lê Minh Đức;01/01/1978;Văn phòng Tỉnh ủy Điện Biên;Phó Chánh Văn phòng;\n")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_creates_links_and_enrols(app) -> None:
    klass = make_class(make_course(), "K74-HN")
    existing = make_user("learner", username="annv2", email="an@example.vn",
                         full_name="Nguyễn Văn An")
    report = import_roster(klass, read_roster(CSV.encode(), "ds.csv"), "ds.csv", None)
    assert report.linked == 1 and len(report.created) == 2 and report.enrolled == 3
    names = {a.full_name: a.username for a in report.created}
    assert names == {"Trần Thị Ánh": "anhtt", "Lê Minh Đức": "duclm"}
    assert all(len(a.code.replace("-", "")) == 10 for a in report.created)
    assert _count(ActivationCode) == 2
    raw = report.created[0].code
    assert db.session.scalar(select(ActivationCode.code_hash)) != raw  # stored hashed
    enrolled = db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.class_id == klass.id)).all()
    assert existing.id in enrolled and len(enrolled) == 3
    assert _count(ClassCompletion) == 3
    again = import_roster(klass, read_roster(CSV.encode(), "ds.csv"), "ds.csv", None)
    assert again.already_enrolled == 3 and again.enrolled == 0 and _count(User) == 3


def test_conflict_with_a_lecturer_account_changes_nothing(app) -> None:
    klass = make_class(make_course(), "K1")
    make_user("lecturer", username="gv", email="an@example.vn")
    db.session.commit()
    before = _count(User)
    with pytest.raises(RosterError) as err:
        import_roster(klass, read_roster(CSV.encode(), "ds.csv"), "ds.csv", None)
    assert err.value.problems[0].row == 2 and err.value.problems[0].code == "not_a_learner"
    db.session.rollback()
    assert _count(User) == before


def test_activation_code_once_and_expiry(app) -> None:
    klass = make_class(make_course(), "K1")
    report = import_roster(klass, read_roster(CSV.encode(), "ds.csv"), "ds.csv", None)
    account = report.created[0]
    assert activate(account.username, "WRONG-CODE-00") is None
    assert activate(account.username, account.code.lower()) is not None
    assert activate(account.username, account.code) is None  # used
    other = report.created[1]
    with time_machine.travel(utcnow() + timedelta(days=31)):
        assert activate(other.username, other.code) is None  # expired


def test_web_upload_preview_confirm_and_codes(auth: Auth, client) -> None:
    klass = make_class(make_course(), "K74-HN")
    auth.login_as(make_user("admin"))
    db.session.commit()  # the views roll back failed imports to here, as in production
    url = f"/classes/{klass.code}/roster"
    token = csrf_from(client, url)
    bad = CSV.replace("02/09/1975", "31/02/1975")
    page = client.post(url, data={"csrf_token": token,
                                  "file": (io.BytesIO(bad.encode()), "ds.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "dòng 2" in page  # the interface speaks Vietnamese
    assert _count(User) == 1  # only the admin
    preview = client.post(url, data={"csrf_token": token,
                                     "file": (io.BytesIO(CSV.encode()), "ds.csv")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "Trần Thị Ánh" in preview and _count(User) == 1  # nothing saved by the preview
    import re

    stash = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    done = client.post(url, data={"csrf_token": token, "token": stash, "filename": "ds.csv"})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and _count(User) == 4
    codes = re.search(r'name="codes" value="([^"]+)"', page).group(1)
    import html

    xlsx = client.post(f"/classes/{klass.code}/roster/codes.xlsx",
                       data={"csrf_token": token, "codes": html.unescape(codes),
                             "expires": "01/01/2030"})
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["B2"].value in {"Nguyễn Văn An", "Trần Thị Ánh", "Lê Minh Đức"}
    # Someone else cannot replay the stash.
    assert client.post(url, data={"csrf_token": token, "token": "x" * 32,
                                  "filename": "ds.csv"}).status_code == 404


def test_xlsx_roster_through_the_cli(runner, tmp_path) -> None:
    make_class(make_course(), "K2")
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Họ và tên", "Email"])
    sheet.append([1, "Phạm Thị Ân", "an.pt@example.vn"])
    path = tmp_path / "ds.xlsx"
    book.save(path)
    result = runner.invoke(args=["roster", "import", str(path), "--class", "K2",
                                 "--codes-out", str(tmp_path / "codes.xlsx")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "codes.xlsx").exists()
    bad = tmp_path / "bad.csv"
    bad.write_bytes("Họ và tên,Email\nAn,khong-phai-email\n".encode())
    failed = runner.invoke(args=["roster", "import", str(bad), "--class", "K2"])
    assert failed.exit_code != 0 and "dòng 2, cột Email" in failed.output


def test_an_unconfirmed_preview_expires_and_is_swept(auth: Auth, client, app) -> None:
    import os
    import re

    from lms.classes.admin_views import STASH_MAX_AGE_S

    klass = make_class(make_course(), "K75-HN")
    auth.login_as(make_user("admin"))
    db.session.commit()
    url = f"/classes/{klass.code}/roster"
    token = csrf_from(client, url)

    def preview() -> str:
        page = client.post(url, data={"csrf_token": token,
                                      "file": (io.BytesIO(CSV.encode()), "ds.csv")},
                           content_type="multipart/form-data").get_data(as_text=True)
        return re.search(r'name="token" value="([^"]+)"', page).group(1)

    first = preview()
    uploads = Path(app.instance_path) / "roster-uploads"
    stashed = next(uploads.glob(f"*-{first}.bin"))
    old = stashed.stat().st_mtime - STASH_MAX_AGE_S - 60
    os.utime(stashed, (old, old))  # a day and a minute ago
    # Too old to confirm: nothing is imported.
    assert client.post(url, data={"csrf_token": token, "token": first,
                                  "filename": "ds.csv"}).status_code == 404
    assert _count(User) == 1
    second = preview()  # the next upload sweeps the stale file away
    assert not stashed.exists()
    assert next(uploads.glob(f"*-{second}.bin")).exists()
