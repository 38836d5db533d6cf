"""``lms users`` commands."""

from __future__ import annotations

from lms.users.services import find_user


def test_create_user(runner) -> None:
    result = runner.invoke(args=["users", "create", "--username", "Hoang", "--password",
                                 "mat-khau-dai-9", "--role", "lecturer",
                                 "--full-name", "Hoàng Văn Thái", "--dob", "02/09/1970"])
    assert result.exit_code == 0, result.output
    user = find_user("hoang")
    assert user.role == "lecturer" and user.full_name == "Hoàng Văn Thái"


def test_full_name_is_nfc_normalised(runner) -> None:
    decomposed = "Nguye\u0302\u0303n Thi\u0323"  # NFD as typed on some keyboards
    result = runner.invoke(args=["users", "create", "--username", "nfd", "--password",
                                 "mat-khau-dai-9", "--role", "learner", "--full-name", decomposed])
    assert result.exit_code == 0, result.output
    assert find_user("nfd").full_name == "Nguyễn Thị"


def test_duplicate_username_fails(runner) -> None:
    args = ["users", "create", "--username", "trung", "--password", "mat-khau-dai-9",
            "--role", "learner", "--full-name", "Lê Trung"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "--username" in result.output and "Tên đăng nhập" in result.output  # CLI speaks vi


def test_weak_password_fails(runner) -> None:
    result = runner.invoke(args=["users", "create", "--username", "yeu", "--password", "1234",
                                 "--role", "learner", "--full-name", "Mật Khẩu Yếu"])
    assert result.exit_code != 0
    assert "--password" in result.output
    assert find_user("yeu") is None


def test_token_command_prints_a_working_token(runner, client) -> None:
    runner.invoke(args=["users", "create", "--username", "api", "--password", "mat-khau-dai-9",
                        "--role", "admin", "--full-name", "API"])
    result = runner.invoke(args=["users", "token", "api"])
    assert result.exit_code == 0
    raw = result.output.strip()
    assert raw.startswith("lms_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.json["username"] == "api"
    assert runner.invoke(args=["users", "token", "nobody"]).exit_code != 0
