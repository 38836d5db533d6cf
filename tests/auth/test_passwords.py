"""Password hashing and policy."""

from __future__ import annotations

import pytest

from lms.auth.passwords import check_policy, hash_password, verify_password
from lms.errors import InvalidInput


def test_argon2id_hash_round_trip(app) -> None:
    digest = hash_password("mật-khẩu-dài-9")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "mật-khẩu-dài-9")
    assert not verify_password(digest, "mật-khẩu-dài-8")
    assert not verify_password(None, "anything-at-all")
    assert not verify_password("not-a-hash", "anything-at-all")


@pytest.mark.parametrize("password", ["", "1234567", "ngan"])
def test_short_passwords_are_refused(password: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_policy(password)
    assert err.value.field == "password"


def test_password_equal_to_username_is_refused() -> None:
    with pytest.raises(InvalidInput):
        check_policy("Nguyenvanan", "nguyenvanan")
    check_policy("mat-khau-9", "nguyenvanan")
