"""The tamper-evident audit log: events recorded, chain verified, tampering detected."""

from __future__ import annotations

from sqlalchemy import delete, func, select, text, update

from lms.audit.models import AuditEntry
from lms.audit.services import record, verify_chain
from lms.extensions import db
from tests.conftest import Auth, make_user


def _chain(n: int = 4) -> list[AuditEntry]:
    return [record("accommodation", None, f"hv{i}", extra_minutes=i) for i in range(n)]


def test_login_and_role_change_are_recorded(auth: Auth, client) -> None:
    user = make_user("learner", username="ghi")
    auth.login("ghi", "sai-mat-khau-9")
    auth.login_as(user)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["login_failed", "login"]
    from lms.users.services import UserData, update_user

    update_user(user, UserData(full_name=user.full_name, role="lecturer"), None)
    last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last.action == "role_change" and last.details == {"old": "learner", "new": "lecturer"}
    assert verify_chain().ok


def test_intact_chain_verifies(app) -> None:
    _chain()
    result = verify_chain()
    assert result.ok and result.entries >= 4


def test_an_edited_row_is_detected(app) -> None:
    rows = _chain()
    db.session.execute(
        update(AuditEntry).where(AuditEntry.id == rows[1].id).values(target="someone-else")
    )
    result = verify_chain()
    assert not result.ok and result.broken_id == rows[1].id and result.kind == "edited"


def test_a_deleted_row_is_detected(app) -> None:
    rows = _chain()
    db.session.execute(delete(AuditEntry).where(AuditEntry.id == rows[2].id))
    result = verify_chain()
    assert not result.ok and result.broken_id == rows[3].id


def test_a_deleted_last_row_is_detected(app) -> None:
    rows = _chain()
    db.session.execute(delete(AuditEntry).where(AuditEntry.id == rows[-1].id))
    assert not verify_chain().ok


def test_an_inserted_row_is_detected(app) -> None:
    rows = _chain()
    forged_prev = rows[1].hash
    db.session.execute(
        text(
            "INSERT INTO audit_log (id, created_at, actor_id, action, target, details, prev_hash, "
            "hash) VALUES (:id, :at, NULL, 'grade', 'forged', '{}', :prev, :hash)"
        ),
        {
            "id": rows[1].id * 1000 + 1,
            "at": rows[1].created_at,
            "prev": forged_prev,
            "hash": "f" * 64,
        },
    )
    result = verify_chain()
    assert not result.ok


def test_cli_exits_non_zero_on_a_broken_chain(runner) -> None:
    rows = _chain()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    db.session.execute(
        update(AuditEntry).where(AuditEntry.id == rows[0].id).values(details={"extra_minutes": 999})
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and f"mục #{rows[0].id} đã bị sửa" in result.output


def test_admin_page(auth: Auth, client) -> None:
    _chain(2)
    auth.login_as(make_user("admin"))
    page = client.get("/admin/audit/?action=accommodation").get_data(as_text=True)
    assert "hv1" in page
    auth.logout()
    auth.login_as(make_user("learner"))
    assert client.get("/admin/audit/").status_code == 403
    assert db.session.scalar(select(func.count(AuditEntry.id))) >= 2


def test_a_row_inserted_in_the_middle_is_named(app) -> None:
    rows = _chain()
    db.session.execute(
        text("UPDATE audit_log SET id = id + 100 WHERE id > :id"), {"id": rows[1].id}
    )
    forged = rows[1].id + 1
    db.session.execute(
        text(
            "INSERT INTO audit_log (id, created_at, actor_id, action, target, details, "
            "prev_hash, hash, key_id) VALUES (:id, :at, NULL, 'grade', 'forged', '{}', :prev, "
            ":hash, :key)"
        ),
        {
            "id": forged,
            "at": rows[1].created_at,
            "prev": rows[1].hash,
            "hash": "f" * 64,
            "key": rows[1].key_id,
        },
    )
    db.session.execute(text("UPDATE audit_head SET last_id = last_id + 100"))
    result = verify_chain()
    assert not result.ok and result.kind == "link" and result.broken_id == forged
