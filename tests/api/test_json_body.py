"""JSON bodies are parsed only by routes that take them, after authentication, within a
size and a depth limit: malformed, too deep or too big is a 400 or 413, never a 500."""

from __future__ import annotations

import time

import pytest

from lms.request_body import MAX_JSON_DEPTH, json_depth
from tests.conftest import make_user
from tests.quizzes.conftest import QuizWorld, world  # noqa: F401 (fixture)

JSON = {"Content-Type": "application/json"}


def _answer_url(client, world: QuizWorld) -> str:  # noqa: F811
    start = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers).json
    slot = next(q["slot"] for q in start["questions"] if q["type"] == "short_answer")
    return f"/api/v1/attempts/{start['id']}/answers/{slot}"


def _nested(depth: int) -> bytes:
    return b'{"response": ' + b"[" * depth + b"]" * depth + b', "seq": 1}'


def test_a_deeply_nested_body_is_400_naming_the_problem(client, world: QuizWorld) -> None:  # noqa: F811
    url = _answer_url(client, world)
    response = client.put(url, data=b"[" * 2000 + b"]" * 2000, headers={**world.headers, **JSON})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"
    assert str(MAX_JSON_DEPTH) in response.json["error"]["message"]
    unclosed = client.put(url, data=b"[" * 2000, headers={**world.headers, **JSON})
    assert unclosed.status_code == 400


def test_nesting_up_to_the_limit_is_parsed(client, world: QuizWorld) -> None:  # noqa: F811
    url = _answer_url(client, world)
    headers = {**world.headers, **JSON}
    # Within the limit the body reaches validation (a list is not a short answer: 422).
    assert client.put(url, data=_nested(MAX_JSON_DEPTH - 1), headers=headers).status_code == 422
    assert client.put(url, data=_nested(MAX_JSON_DEPTH), headers=headers).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b'{"response": "a", "seq": ',
        b"\xff\xfe{",
        b"{'a': 1}",
        b'{"response": "a", "seq": 1}}',
        b"NaN-ish",
    ],
)
def test_malformed_json_is_400(client, world: QuizWorld, body: bytes) -> None:  # noqa: F811
    response = client.put(_answer_url(client, world), data=body, headers={**world.headers, **JSON})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"


def test_a_valid_body_still_saves(client, world: QuizWorld) -> None:  # noqa: F811
    response = client.put(
        _answer_url(client, world), json={"response": "mật", "seq": 1}, headers=world.headers
    )
    assert response.status_code == 200 and response.json == {"saved": True, "seq": 1}


def test_a_nul_in_the_body_is_still_refused(client, world: QuizWorld) -> None:  # noqa: F811
    response = client.put(
        _answer_url(client, world), json={"response": {"a\x00": 1}, "seq": 1}, headers=world.headers
    )
    assert response.status_code == 400
    assert response.json["error"] == {
        "code": "invalid_character",
        "field": "response.a\ufffd",
        "message": response.json["error"]["message"],
    }


def test_a_10_mb_array_is_413_at_once(client, world: QuizWorld) -> None:  # noqa: F811
    url = _answer_url(client, world)
    body = b"[" + b"1," * (5 * 1024 * 1024) + b"1]"
    began = time.perf_counter()
    response = client.put(url, data=body, headers={**world.headers, **JSON})
    took = time.perf_counter() - began
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
    assert took < 0.3, took


def test_too_big_is_413_even_before_authentication(client) -> None:
    body = b"[" + b"1," * (5 * 1024 * 1024) + b"1]"
    response = client.put("/api/v1/attempts/1/answers/1", data=body, headers=JSON)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"


def test_json_is_not_parsed_before_authentication(client) -> None:
    # A deep or broken body to a JSON route, without credentials: 401, the body unread.
    for body in (b"[" * 5000, b"\x00{", b'{"k\x00": 1}'):
        response = client.put("/api/v1/attempts/1/answers/1", data=body, headers=JSON)
        assert response.status_code == 401, body


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/auth/login"),
        ("get", "/api/v1/me"),
        ("post", "/api/v1/quizzes/1/attempts"),
        ("get", "/"),
        ("post", "/healthz"),
        ("get", "/healthz"),
    ],
)
def test_routes_without_json_ignore_a_json_body(client, method: str, url: str) -> None:
    deep = b'{"a": "\x00"}' + b"[" * 5000
    response = getattr(client, method)(url, data=deep, headers=JSON)
    assert response.status_code < 500
    assert response.status_code != 413


def test_routes_without_json_ignore_it_when_signed_in(client, world: QuizWorld) -> None:  # noqa: F811
    response = client.post(
        f"/api/v1/quizzes/{world.quiz.id}/attempts",
        data=b"[" * 5000,
        headers={**world.headers, **JSON},
    )
    assert response.status_code == 201


def test_a_big_form_post_is_413_page(client, app) -> None:
    big = "x" * (app.config["LMS_MAX_FORM_BYTES"] + 1)
    response = client.post("/auth/login", data={"username": big, "password": "x"})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "<html" in response.get_data(as_text=True)


def test_uploads_keep_their_own_limit(auth, client, app) -> None:
    from tests.conftest import csrf_from, make_course

    course = make_course("khoa-tai-len")
    auth.login_as(make_user("admin"))
    token = csrf_from(client, f"/courses/{course.slug}/manage")
    size = app.config["LMS_MAX_FORM_BYTES"] + 10
    data = {"csrf_token": token, "file": (__import__("io").BytesIO(b"a" * size), "bai.txt")}
    response = client.post(
        f"/courses/{course.slug}/attachments", data=data, content_type="multipart/form-data"
    )
    assert response.status_code != 413


def test_depth_is_counted_outside_strings() -> None:
    assert json_depth('{"a": "[[[[[{{{{"}') == 1
    assert json_depth(r'["\"[[[", [[1]]]') == 3
    assert json_depth(r'["a\\", [[1]]]') == 3  # an escaped backslash escapes no quote
    assert json_depth(r'["a\\\"[[", [1]]') == 2
    assert json_depth("1") == 0
    assert json_depth("[" * 40) == 40  # unclosed still counts


def test_depth_takes_linear_time_on_unterminated_strings() -> None:
    # A regular expression for strings backtracks on these: quadratic, minutes at 256 KB.
    text = '"' + '\\"' * 128_000
    began = time.perf_counter()
    assert json_depth(text) == 0
    assert json_depth('["' + "[" * 200_000) == 1
    assert time.perf_counter() - began < 1.0


def test_the_limits_are_configured(app) -> None:
    assert (
        0
        < app.config["LMS_MAX_JSON_BYTES"]
        < app.config["LMS_MAX_FORM_BYTES"]
        < app.config["MAX_CONTENT_LENGTH"]
    )
